"""Handlers of app_agent_pool agents: the Agents list, login/logoff, queue calls.

AgentCalled/AgentConnect/AgentComplete/AgentRingNoAnswer/AgentDump are raised by
app_queue for every member; only members named ``Agent/<id>`` are agents.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from xivo_cti.ami import Message
from xivo_cti.state._entities import (
    AGENT_IDLE,
    AGENT_LOGGEDOFF,
    AGENT_ONCALL,
    AGENT_RINGING,
    Agent,
)
from xivo_cti.state._store import Store


def _on_agents(store: Store, msg: Message) -> None:
    status = msg["Status"]
    logged_in = status != AGENT_LOGGEDOFF
    store.put_agent(
        Agent(
            msg["Agent"],
            msg.get("Name", ""),
            status,
            msg.get("Channel", "") if logged_in else "",
            msg.get("TalkingToChan", "") if status == AGENT_ONCALL else "",
            float(msg.get("LoggedInTime") or 0) if logged_in else 0.0,
        )
    )


def _agent(store: Store, agent_id: str) -> Agent:
    return store.agents.get(agent_id) or Agent(agent_id)


def _on_login(store: Store, msg: Message) -> None:
    agent = _agent(store, msg["Agent"])
    store.put_agent(
        replace(agent, status=AGENT_IDLE, channel=msg.get("Channel", ""), login_time=store.now())
    )


def _on_logoff(store: Store, msg: Message) -> None:
    agent = _agent(store, msg["Agent"])
    store.put_agent(
        replace(agent, status=AGENT_LOGGEDOFF, channel="", talking_to="", login_time=0.0)
    )


def _queue_agent(store: Store, msg: Message) -> Agent | None:
    interface = msg.get("Interface") or msg.get("MemberName") or ""
    if not interface.startswith("Agent/"):
        return None
    agent = _agent(store, interface[6:])
    return None if agent.status == AGENT_LOGGEDOFF else agent


def _on_called(store: Store, msg: Message) -> None:
    agent = _queue_agent(store, msg)
    if agent is not None and agent.status == AGENT_IDLE:
        store.put_agent(replace(agent, status=AGENT_RINGING))


def _on_connect(store: Store, msg: Message) -> None:
    agent = _queue_agent(store, msg)
    if agent is not None:
        store.put_agent(replace(agent, status=AGENT_ONCALL, talking_to=msg.get("Channel", "")))


def _on_done(store: Store, msg: Message) -> None:
    agent = _queue_agent(store, msg)
    if agent is not None:
        store.put_agent(replace(agent, status=AGENT_IDLE, talking_to=""))


HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    "Agents": _on_agents,
    "AgentLogin": _on_login,
    "AgentLogoff": _on_logoff,
    "AgentCalled": _on_called,
    "AgentConnect": _on_connect,
    "AgentComplete": _on_done,
    "AgentRingNoAnswer": _on_done,
    "AgentDump": _on_done,
}
