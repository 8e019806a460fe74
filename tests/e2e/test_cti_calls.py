"""End-to-end: the desktop client's own call classes against the rig's Asterisk.

erin (line ``Local/200@cti_xfer_phone``) clicks to dial 4242: Asterisk bridges her with
``Local/4242@cti_callee`` (see the rig's extensions.conf).  Her client's ``hangup``,
``direct_transfer``, ``attended_transfer``, ``complete_transfer`` and ``cancel_transfer``
must then really change the calls in Asterisk.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.e2e.test_cti_server import CTIClient, clients, ctid, wait_until

pytestmark = pytest.mark.e2e
__all__ = ["clients", "ctid"]  # the fixtures used here


def bridged(asterisk) -> dict[str, str]:
    """Bridge id by channel name, for the channels of the test's contexts."""
    out = asterisk.cli("core show channels concise")
    fields = [line.split("!") for line in out.splitlines() if "cti_" in line]
    return {f[0]: f[-2] for f in fields if len(f) > 2}


def shared_bridge(asterisk, first: str, second: str) -> bool:
    """True when a channel whose name starts with ``first`` is in the bridge of one
    starting with ``second``."""
    channels = bridged(asterisk)
    a = {b for name, b in channels.items() if name.startswith(first) and b}
    b = {b for name, b in channels.items() if name.startswith(second) and b}
    return bool(a & b)


def until_accepted(client: CTIClient, klass: str, refused: str, **body) -> dict:
    """Send ``klass`` until the answer is not ``refused`` (xivo-ctid has not seen the call
    in that state yet); the answer."""
    deadline = time.monotonic() + 20
    for commandid in range(1000, 2000):
        client.send(**{"class": klass, "commandid": commandid, **body})
        reply = client.reply(commandid)
        if reply.get("error_string") != refused or time.monotonic() > deadline:
            return reply
        time.sleep(0.2)
    raise AssertionError("never accepted")


@pytest.fixture
def erin(asterisk, clients) -> Iterator[CTIClient]:
    """erin logged in, in a call with 4242 (her channel bridged to the callee's)."""
    client = clients()
    client.login("erin")
    client.send(**{"class": "ipbxcommand", "command": "dial", "destination": "4242",
                   "commandid": 7})  # fmt: skip
    try:
        assert client.reply(7)["class"] == "dial_success"
        wait_until(
            lambda: shared_bridge(asterisk, "Local/200@", "Local/4242@cti_callee"),
            what="erin bridged with 4242",
            timeout=20,
        )
        yield client
    finally:
        for name in bridged(asterisk):
            asterisk.cli(f"channel request hangup {name}")
        wait_until(lambda: not bridged(asterisk), what="test calls hung up", timeout=20)


def test_hangup_ends_the_users_call(asterisk, erin):
    """The client's hangup class hangs up erin's channel in Asterisk."""
    reply = until_accepted(erin, "hangup", "no_call")
    assert reply["class"] == "hangup" and "error_string" not in reply, reply
    wait_until(
        lambda: not any(n.startswith("Local/200@") for n in bridged(asterisk)),
        what="erin's channels gone",
        timeout=20,
    )


def test_direct_transfer_moves_the_call(asterisk, erin):
    """direct_transfer sends the callee to 4444; erin leaves the call."""
    reply = until_accepted(erin, "direct_transfer", "no_call", number="4444")
    assert reply == {**reply, "class": "direct_transfer", "number": "4444"}, reply
    wait_until(
        lambda: shared_bridge(asterisk, "Local/4242@cti_callee", "Local/4444@cti_callee"),
        what="4242 bridged with 4444",
        timeout=20,
    )
    wait_until(
        lambda: not any(n.startswith("Local/200@") for n in bridged(asterisk)),
        what="erin's channels gone",
        timeout=20,
    )


def consult(asterisk, erin: CTIClient) -> None:
    """Start an attended transfer to 4343 and wait for the consultation."""
    reply = until_accepted(erin, "attended_transfer", "no_call", number="4343")
    assert reply["class"] == "attended_transfer" and "error_string" not in reply, reply
    wait_until(
        lambda: shared_bridge(asterisk, "Local/200@", "Local/4343@cti_xfer"),
        what="erin talks to 4343",
        timeout=20,
    )
    assert not shared_bridge(asterisk, "Local/200@", "Local/4242@cti_callee")


def test_attended_transfer_completes(asterisk, erin):
    """attended_transfer then complete_transfer: the callee talks to 4343, erin is gone."""
    consult(asterisk, erin)
    reply = until_accepted(erin, "complete_transfer", "no_transfer")
    assert reply["class"] == "complete_transfer" and "error_string" not in reply, reply
    wait_until(
        lambda: shared_bridge(asterisk, "Local/4242@cti_callee", "Local/4343@cti_xfer"),
        what="4242 bridged with 4343",
        timeout=20,
    )
    assert not any(n.startswith("Local/200@") for n in bridged(asterisk))


def test_attended_transfer_cancelled_returns_to_the_call(asterisk, erin):
    """cancel_transfer hangs up 4343 and erin is back with 4242."""
    consult(asterisk, erin)
    reply = until_accepted(erin, "cancel_transfer", "no_transfer")
    assert reply["class"] == "cancel_transfer" and "error_string" not in reply, reply
    wait_until(
        lambda: shared_bridge(asterisk, "Local/200@", "Local/4242@cti_callee"),
        what="erin back with 4242",
        timeout=20,
    )
    wait_until(
        lambda: not any(n.startswith("Local/4343@") for n in bridged(asterisk)),
        what="4343 hung up",
        timeout=20,
    )
    erin.send(**{"class": "complete_transfer", "commandid": 99})
    assert erin.reply(99)["error_string"] == "no_transfer"
