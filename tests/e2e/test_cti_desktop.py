"""End-to-end: the scripted Wazo Client 18.01 (and a 2.2 client) against xivo-ctid and the
rig's Asterisk: services pushed between sessions, an agent's login, pause and logout.

Users: those of tests/e2e/test_cti_server.py (bob an ordinary user, alice a supervisor,
frank an agent whose agent 7 is in the rig's agents.conf).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from tests.e2e.test_cti_server import IDS, ctid, wait_until
from tests.integration.desktop_client import DesktopClient

pytestmark = pytest.mark.e2e
__all__ = ["ctid"]  # the fixture used here

VERSIONS = {"18.01": ("wazoversion", "2.3"), "17.16": ("xivoversion", "2.2")}


@pytest.fixture
def desktop(ctid) -> Iterator[Callable[..., DesktopClient]]:
    """Logs scripted desktop clients in (their window filled); logs them out at the end."""
    opened: list[DesktopClient] = []

    def log_in(login: str, version: str = "18.01") -> DesktopClient:
        client = DesktopClient(ctid, encryption=False, version=VERSIONS[version])
        opened.append(client)
        client.answers = client.start(client.login(login, f"{login}-pw"))
        return client

    yield log_in
    for client in opened:
        client.close()


def featuresput(client: DesktopClient, function: str, value) -> None:
    reply = client.reply(client.send({"class": "featuresput", "function": function,
                                      "value": value}))  # fmt: skip
    assert reply["status"] == "OK", reply


def config_push(client: DesktopClient, login: str, key: str, value) -> dict:
    """The next users updateconfig push about ``login`` whose ``key`` is ``value``."""
    return client.wait(
        lambda m: m.get("function") == "updateconfig" and m.get("listname") == "users"
        and m.get("tid") == IDS[login] and m["config"].get(key) == value
    )["config"]  # fmt: skip


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_dnd_set_in_one_session_reaches_the_other(asterisk, desktop, version):
    """DND and the call filter set from one of bob's windows show in his other window (its
    services panel reads the users config) and are in Asterisk's AstDB."""
    first, second = desktop("bob", version), desktop("bob", version)
    try:
        featuresput(first, "enablednd", True)
        assert config_push(second, "bob", "enablednd", True)["enablednd"] is True
        featuresput(first, "incallfilter", True)
        assert config_push(second, "bob", "incallfilter", True)["enablednd"] is True
        out = asterisk.cli("database show xivo-features/2002")
        assert re.search(r"/enablednd\s*:\s*1", out) and re.search(r"/incallfilter\s*:\s*1", out)
    finally:
        featuresput(first, "enablednd", False)
        featuresput(first, "incallfilter", False)
    assert config_push(second, "bob", "incallfilter", False)["enablednd"] is False


def ipbx(client: DesktopClient, **body) -> dict:
    reply = client.reply(client.send({"class": "ipbxcommand", **body}))
    assert "error_string" not in reply, reply
    return reply


def agent_push(client: DesktopClient, availability: str) -> dict:
    """The next agents updatestatus push of agent 7 with that availability."""
    return client.wait(
        lambda m: m.get("listname") == "agents" and m.get("function") == "updatestatus"
        and m.get("tid") == "7" and m["status"]["availability"] == availability
    )["status"]  # fmt: skip


def test_agent_logs_in_pauses_and_logs_out_from_the_client(asterisk, desktop):
    """frank's identity panel: agent login rings his phone into AgentLogin, the pause in
    all queues shows in Asterisk's queue, the logout logs agent 7 off."""
    frank, alice = desktop("frank"), desktop("alice")
    assert frank.answers["get_relations"]["data"]["agent_id"] == 7
    try:
        ipbx(frank, command="agentlogin", agentphonenumber="", agentids="agent:special:me")
        wait_until(
            lambda: agent_channel(asterisk).startswith("Local/201@"),
            what="agent 7 logged in",
            timeout=20,
        )
        assert agent_push(alice, "available")
        ipbx(alice, command="queueadd", member="agent:xivo/7", queue="queue:xivo/support")
        wait_until(
            lambda: member_paused(asterisk, "Agent/7") is False,
            what="agent 7 in support",
            timeout=20,
        )
        ipbx(frank, command="queuepause", member="agent:xivo/7", queue="queue:xivo/all")
        wait_until(
            lambda: member_paused(asterisk, "Agent/7") is True, what="paused in support", timeout=20
        )
        ipbx(frank, command="queueunpause", member="agent:xivo/7", queue="queue:xivo/all")
        wait_until(
            lambda: member_paused(asterisk, "Agent/7") is False,
            what="unpaused in support",
            timeout=20,
        )
        ipbx(frank, command="agentlogout")
        assert agent_push(alice, "logged_out")
        wait_until(lambda: agent_channel(asterisk) == "", what="agent 7 logged off", timeout=20)
    finally:
        alice.send({"class": "ipbxcommand", "command": "queueremove", "member": "agent:xivo/7",
                    "queue": "queue:xivo/support"})  # fmt: skip
        for line in asterisk.cli("core show channels concise").splitlines():
            if line.startswith("Local/201@"):
                asterisk.cli(f"channel request hangup {line.split('!')[0]}")


def agent_channel(asterisk) -> str:
    """The channel agent 7 is logged in on ("" when logged off)."""
    for line in asterisk.cli("agent show online").splitlines():
        fields = line.split()
        if fields[:1] == ["7"]:
            return next((f for f in fields if "/" in f), "")
    return ""


def member_paused(asterisk, interface: str) -> bool | None:
    """Whether ``interface`` is paused in queue support (None: not a member)."""
    for line in asterisk.cli("queue show support").splitlines():
        if interface in line:
            return "paused" in line.lower()
    return None
