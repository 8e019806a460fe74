"""Tests for Originate, driven through AMIProtocol.originate."""

from __future__ import annotations

from tests.xivo_cti.ami.conftest import result_of
from xivo_cti.ami._errors import AMIActionError, AMIActionRefused, AMIActionTimeout


def test_originate_follows_to_originate_response(peer):
    """originate() fires with the OriginateResponse event, not the first response."""
    d = peer.protocol.originate(
        "Local/1000@incoming",
        application="Wait",
        data="1",
        callerid="<+33123>",
        variables={"A": "1"},
    )
    action = peer.sent()[0]
    assert action["Async"] == ["true"]
    assert action["Variable"] == ["A=1"]
    assert action["Application"] == ["Wait"]
    aid = action["ActionID"][0]
    peer.send("Response: Success", f"ActionID: {aid}", "Message: Originate successfully queued")
    assert not d.called
    peer.send("Event: OriginateResponse", f"ActionID: {aid}", "Response: Success", "Uniqueid: 1.1")
    assert result_of(d)["Uniqueid"] == "1.1"


def test_originate_failure_errbacks(peer):
    """An OriginateResponse reporting Failure errbacks with AMIActionError."""
    d = peer.protocol.originate("Local/9@nowhere", exten="9", context="nowhere")
    action = peer.sent()[0]
    assert (action["Exten"], action["Context"], action["Priority"]) == (["9"], ["nowhere"], ["1"])
    aid = action["ActionID"][0]
    peer.send("Response: Success", f"ActionID: {aid}")
    peer.send("Event: OriginateResponse", f"ActionID: {aid}", "Response: Failure", "Reason: 0")
    assert result_of(d).check(AMIActionError)


def test_originate_needs_destination(peer):
    """originate() without application nor exten/context is refused before sending."""
    assert result_of(peer.protocol.originate("Local/1@x")).check(AMIActionRefused)
    bad = peer.protocol.originate("Local/1@x", application="Wait", variables={"A=B": "1"})
    assert result_of(bad).check(AMIActionRefused)
    assert peer.transport.value() == b""


def test_originate_waits_ring_time_plus_action_timeout(peer):
    """The answer may take timeout_ms plus action_timeout (5 s here) before it times out."""
    d = peer.protocol.originate("Local/1@x", application="Wait", timeout_ms=2000)
    assert peer.sent()[0]["Timeout"] == ["2000"]
    peer.clock.advance(6.9)
    assert not d.called
    peer.clock.advance(0.2)
    assert result_of(d).check(AMIActionTimeout)
