"""Agent events applied to the live state."""

from twisted.internet.task import Clock

from tests.xivo_cti.state.events import event, snapshot
from xivo_cti.state import LiveState
from xivo_cti.state._entities import (
    AGENT_IDLE,
    AGENT_LOGGEDOFF,
    AGENT_ONCALL,
    AGENT_RINGING,
    Agent,
)

QUEUE_CALL = {"Queue": "q", "Interface": "Agent/1001", "MemberName": "Agent 1001"}


def logged_in_state() -> LiveState:
    clock = Clock()
    clock.advance(10)
    state = LiveState(clock)
    state.apply(event("AgentLogin", snapshot("1.1", name="PJSIP/a-1"), Agent="1001"))
    return state


def test_login_and_logoff():
    """AgentLogin marks the agent idle on its channel, AgentLogoff logged off."""
    state = logged_in_state()
    assert state.agents["1001"] == Agent("1001", "", AGENT_IDLE, "PJSIP/a-1", "", 10.0)
    state.apply(event("AgentLogoff", snapshot("1.1"), Agent="1001", Logintime="5"))
    assert state.agents["1001"].status == AGENT_LOGGEDOFF and state.agents["1001"].channel == ""


def test_queue_call_cycle():
    """AgentCalled rings, AgentConnect puts on call, AgentComplete back to idle."""
    state = logged_in_state()
    caller, agent_side = snapshot("2.1", name="PJSIP/c-1"), snapshot("2.2", prefix="Dest")
    state.apply(event("AgentCalled", caller, agent_side, QUEUE_CALL))
    assert state.agents["1001"].status == AGENT_RINGING
    state.apply(event("AgentConnect", caller, agent_side, QUEUE_CALL, HoldTime="1"))
    assert state.agents["1001"].status == AGENT_ONCALL
    assert state.agents["1001"].talking_to == "PJSIP/c-1"
    state.apply(event("AgentComplete", caller, agent_side, QUEUE_CALL, Reason="caller"))
    assert state.agents["1001"].status == AGENT_IDLE and state.agents["1001"].talking_to == ""


def test_queue_events_of_other_members_ignored():
    """AgentCalled for a non-agent member does not create agents."""
    state = LiveState()
    state.apply(event("AgentCalled", snapshot("2.1"), Queue="q", Interface="PJSIP/bob"))
    assert state.agents == {}


def test_agents_list_event():
    """The Agents list event sets name, status, channel, peer and login time."""
    state = LiveState()
    state.apply(
        event(
            "Agents",
            snapshot("1.1", name="PJSIP/a-1"),
            Agent="1002",
            Name="Zoe",
            Status="AGENT_ONCALL",
            TalkingToChan="PJSIP/c-2",
            CallStarted="20",
            LoggedInTime="15",
        )
    )
    assert state.agents["1002"] == Agent(
        "1002", "Zoe", AGENT_ONCALL, "PJSIP/a-1", "PJSIP/c-2", 15.0
    )
    state.apply(event("Agents", Agent="1003", Name="Yan", Status="AGENT_LOGGEDOFF"))
    assert state.agents["1003"] == Agent("1003", "Yan")
