"""Tests of agent login, logout and listen from the client (ipbxcommand agentlogin,
agentlogout, listen)."""

from __future__ import annotations

import pytest

from tests.xivo_cti.conftest import Rig, sample_users
from xivo_cti.ami import Message
from xivo_cti.commands import CommandError
from xivo_cti.commands._agents import agent_phone, resolve_agent

USERS = {u.login: u for u in sample_users()}
AGENTS = {"7": object(), "8": object()}


def command(client, **body) -> dict:
    client.send(**{"class": "ipbxcommand", "commandid": 7, **body})
    return client.received()[-1]


@pytest.mark.parametrize("value", [None, "", "agent:special:me", "xivo/7", "agent:xivo/7", "7"])
def test_own_agent_named_or_not(value) -> None:
    """bob's own agent, whichever way it is named."""
    assert resolve_agent(AGENTS, USERS["bob"], value) == "7"


@pytest.mark.parametrize(
    ("login", "value", "error"),
    [
        ("carol", None, "no_agent"),
        ("bob", "xivo/8", "forbidden"),
        ("bob", "xivo/9", "unknown_agent"),
        ("bob", ["7"], "unknown_agent"),
        ("alice", "agent:special:me", "no_agent"),
    ],
)
def test_agents_refused(login, value, error) -> None:
    """No agent of one's own, another's agent (not a supervisor), an unknown agent."""
    with pytest.raises(CommandError, match=f"^{error}$"):
        resolve_agent(AGENTS, USERS[login], value)


def test_a_supervisor_names_any_agent() -> None:
    """alice (supervisor) may act on agent 8."""
    assert resolve_agent(AGENTS, USERS["alice"], "xivo/8") == "8"


def test_the_phone_rung_for_a_login() -> None:
    """The owner's line, or Local/<number>@<context>; no owner and no number: no_phone."""
    users = list(USERS.values())
    assert agent_phone(users, USERS["bob"], "7", "") == "PJSIP/bob"
    assert agent_phone(users, USERS["alice"], "7", "") == "PJSIP/bob"
    assert agent_phone(users, USERS["bob"], "7", "1234") == "Local/1234@default"
    with pytest.raises(CommandError, match="no_phone"):
        agent_phone(users, USERS["alice"], "8", "")


def test_login_originates_agentlogin_on_the_agents_phone(rig: Rig) -> None:
    """agentlogin from the identity panel rings bob's line into AgentLogin(7,s)."""
    rig.feed.event(Message.of(Event="Agents", Agent="7", Status="AGENT_LOGGEDOFF"))
    client = rig.logged_in("bob")
    reply = command(client, command="agentlogin", agentphonenumber="", agentids="agent:special:me")
    assert reply == {**reply, "command": "agentlogin", "agentid": "7"}, reply
    action, headers = rig.ami.actions[-1]
    assert action == "Originate" and headers["Channel"] == "PJSIP/bob"
    assert headers["application"] == "AgentLogin" and headers["data"] == "7,s"


def test_login_to_a_bad_number_is_refused_before_any_action(rig: Rig) -> None:
    """An agentphonenumber that is not a dial string never reaches AMI."""
    rig.feed.event(Message.of(Event="Agents", Agent="7", Status="AGENT_LOGGEDOFF"))
    client = rig.logged_in("bob")
    reply = command(client, command="agentlogin", agentphonenumber="1\r\nAction: Command")
    assert reply["error_string"].startswith("unreachable_extension:")
    assert rig.ami.actions == []


def test_logout_sends_agentlogoff(rig: Rig) -> None:
    """agentlogout (own agent) is AgentLogoff; a user profile may not."""
    rig.feed.event(Message.of(Event="Agents", Agent="7", Status="AGENT_IDLE"))
    client = rig.logged_in("bob")
    assert command(client, command="agentlogout")["agentid"] == "7"
    assert rig.ami.actions == [("AgentLogoff", {"Agent": "7"})]
    carol = rig.logged_in("carol")
    assert command(carol, command="agentlogout")["error_string"] == "forbidden"


def logged_in_agent(rig: Rig, channel: str) -> None:
    rig.feed.event(Message.of(Event="AgentLogin", Agent="7", Channel=channel))


def test_listen_spies_on_the_agents_channel_from_the_supervisors_line(rig: Rig) -> None:
    """The agents panel's listen: alice's line is rung into ChanSpy on the channel agent 7
    logged in from."""
    logged_in_agent(rig, "PJSIP/bob-0000002a")
    alice = rig.logged_in("alice")
    reply = command(alice, command="listen", subcommand="start", destination="xivo/7")
    assert reply == {**reply, "command": "listen", "agentid": "7"}, reply
    action, headers = rig.ami.actions[-1]
    assert action == "Originate" and headers["Channel"] == "PJSIP/alice"
    assert headers["application"] == "ChanSpy"
    assert headers["data"] == "PJSIP/bob-0000002a,bds"


@pytest.mark.parametrize(
    ("login", "body", "error"),
    [
        ("bob", {"destination": "xivo/7"}, "forbidden"),
        ("alice", {"destination": "xivo/8"}, "unknown_agent"),
        ("alice", {"destination": "xivo/7", "subcommand": "stop"}, "unknown_subcommand"),
    ],
)
def test_listen_refused(rig: Rig, login: str, body: dict, error: str) -> None:
    """An agent may not listen (not in its profile), nor anyone to an unknown agent."""
    logged_in_agent(rig, "PJSIP/bob-0000002a")
    reply = command(rig.logged_in(login), command="listen", **body)
    assert reply["error_string"] == error
    assert rig.ami.actions == []


@pytest.mark.parametrize(
    ("channel", "error"),
    [("", "agent_not_logged_in"), ("PJSIP/x,b,q", "invalid_channel")],
)
def test_listen_to_an_agent_without_a_usable_channel(rig: Rig, channel: str, error: str) -> None:
    """An agent logged off, or whose channel would change ChanSpy's options: no action."""
    if channel:
        logged_in_agent(rig, channel)
    else:
        rig.feed.event(Message.of(Event="Agents", Agent="7", Status="AGENT_LOGGEDOFF"))
    reply = command(rig.logged_in("alice"), command="listen", destination="xivo/7")
    assert reply["error_string"] == error
    assert rig.ami.actions == []


def test_listen_to_an_agent_of_another_ipbx_refused() -> None:
    """ChanSpy runs on the supervisor's Asterisk: an agent logged in on ipbx b (alice's
    line is on the default one) is refused with no action on either."""
    rig = Rig(ipbx_b=True)
    rig.feed.event(Message.of(Event="AgentLogin", Agent="7", Channel="PJSIP/dave-1"), ipbx="b")
    reply = command(rig.logged_in("alice"), command="listen", destination="b/7")
    assert reply["error_string"] == "other_ipbx"
    assert rig.ami.actions == [] and rig.ami_b.actions == []
