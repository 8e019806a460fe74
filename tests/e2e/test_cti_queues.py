"""End-to-end: the scripted Wazo Client 18.01's supervisor panels against the rig's
Asterisk: waiting callers of a queue, queue statistics over a window, listening to an
agent.

Queue ``support`` of the rig has two static members (``Local/400X@agents/n``, answered at
once); a caller is ``Local/5000@queue`` (queue timeout 10 s).  Users: those of
tests/e2e/test_cti_server.py (grace a supervisor whose line can be rung, frank the agent
of agent 7).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.test_cti_desktop import agent_channel, desktop, ipbx
from tests.e2e.test_cti_server import channels, ctid, wait_until
from tests.integration.desktop_client import DesktopClient

pytestmark = pytest.mark.e2e
__all__ = ["ctid", "desktop"]  # the fixtures used here

MEMBERS = ("Local/4001@agents/n", "Local/4002@agents/n")


def hang_up(asterisk, marker: str) -> None:
    for name in channels(asterisk, marker):
        asterisk.cli(f"channel request hangup {name}")
    wait_until(lambda: not channels(asterisk, marker), what=f"{marker} hung up", timeout=20)


@pytest.fixture
def paused_queue(asterisk) -> Iterator[None]:
    """Queue support with its static members paused (callers wait); unpaused at the end."""
    for member in MEMBERS:
        asterisk.cli(f"queue pause member {member} queue support")
    try:
        yield
    finally:
        for member in MEMBERS:
            asterisk.cli(f"queue unpause member {member} queue support")
        hang_up(asterisk, "Local/5000@queue")


def entries_push(client: DesktopClient, count: int) -> list[dict]:
    """The next queueentryupdate of queue support with ``count`` callers."""
    return client.wait(
        lambda m: m["class"] == "queueentryupdate" and m["state"]["queue_id"] == "support"
        and len(m["state"]["entries"]) == count
    )["state"]["entries"]  # fmt: skip


def test_waiting_callers_then_window_stats_of_the_answered_call(
    asterisk, desktop, paused_queue
) -> None:
    """The waiting callers panel of grace gets the caller while the members are paused and
    an empty queue once a member answered; the queues panel then has the window figures of
    that answered call (rate and QoS 100 %, its wait as the maximum)."""
    grace = desktop("grace")
    subscribe = {"class": "subscribe", "message": "queueentryupdate", "queueid": "support"}
    reply = grace.ask(subscribe)
    assert reply["class"] == "subscribe" and "error_string" not in reply, reply
    (current,) = [m for m in grace.received if m["class"] == "queueentryupdate"]
    assert current["state"] == {"queue_id": "support", "entries": []}, current
    asterisk.cli("channel originate Local/5000@queue application Wait 30")
    (entry,) = entries_push(grace, 1)
    assert entry["position"] == 1 and entry["uniqueid"] and entry["join_time"] > 0, entry
    for member in MEMBERS:
        asterisk.cli(f"queue unpause member {member} queue support")
    assert entries_push(grace, 0) == []
    on = {"support": {"window": "3600", "xqos": "60"}}
    stats = grace.ask({"class": "getqueuesstats", "on": on})["stats"]["support"]
    assert stats["Xivo-Rate"] == 100 and stats["Xivo-Qos"] == 100, stats
    assert 0 <= stats["Xivo-Holdtime-max"] < 60, stats


def test_supervisor_listens_to_an_agent(asterisk, desktop) -> None:
    """grace's listen on agent 7 (logged in from frank's phone) rings her line into ChanSpy
    on the agent's channel."""
    frank, grace = desktop("frank"), desktop("grace")
    try:
        ipbx(frank, command="agentlogin", agentphonenumber="", agentids="agent:special:me")
        wait_until(
            lambda: agent_channel(asterisk).startswith("Local/201@"),
            what="agent 7 logged in",
            timeout=20,
        )
        agent = agent_channel(asterisk)
        reply = ipbx(grace, command="listen", subcommand="start", destination="xivo/7")
        assert reply["agentid"] == "7", reply
        wait_until(
            lambda: f"!ChanSpy!{agent},bds!" in asterisk.cli("core show channels concise"),
            what="grace's line in ChanSpy on agent 7",
            timeout=20,
        )
        spies = [n for n in channels(asterisk, "!ChanSpy!") if n.startswith("Local/202@")]
        assert spies, asterisk.cli("core show channels concise")
    finally:
        hang_up(asterisk, "Local/202@")
        hang_up(asterisk, "Local/201@")
