"""Tests for Keepalive, driven on a connected AMIProtocol with a Clock."""

from __future__ import annotations

import pytest
from twisted.logger import Logger, formatEvent
from twisted.python.failure import Failure

from xivo_cti.ami._keepalive import Keepalive


@pytest.fixture
def logged():
    return []


@pytest.fixture
def keepalive(peer, logged):
    return Keepalive(peer.clock, Logger(observer=logged.append))


def pings_sent(peer) -> list[str]:
    """The ActionIDs of the Pings written since the last call."""
    return [a["ActionID"][0] for a in peer.sent() if a["Action"] == ["Ping"]]


def test_pings_every_interval_while_answered(peer, keepalive):
    """A Ping goes out one interval after start and at every interval; Pongs keep it open."""
    keepalive.start(peer.protocol, 10)
    peer.clock.advance(9.9)
    assert pings_sent(peer) == []
    for _ in range(3):
        peer.clock.advance(0.1)
        [action_id] = pings_sent(peer)
        peer.send("Response: Success", f"ActionID: {action_id}", "Ping: Pong")
        peer.clock.advance(9.9)
    assert not peer.transport.disconnecting


def test_missing_pong_aborts_the_connection(peer, keepalive, logged):
    """A Ping unanswered within action_timeout aborts the connection, with a warning."""
    keepalive.start(peer.protocol, 10)
    peer.clock.advance(10)
    assert len(pings_sent(peer)) == 1
    peer.clock.advance(4.9)
    assert not peer.transport.disconnecting
    peer.clock.advance(0.2)
    assert peer.transport.disconnected  # StringTransport sets it on abortConnection only
    assert ["AMI: no Pong from Asterisk, dropping the connection"] == [
        formatEvent(e) for e in logged
    ]


def test_at_most_one_ping_in_flight(peer, keepalive):
    """While a Ping waits for its Pong, the next ticks send nothing."""
    keepalive.start(peer.protocol, 2)
    peer.clock.advance(2)
    [action_id] = pings_sent(peer)
    peer.clock.advance(2)
    assert pings_sent(peer) == []
    peer.send("Response: Success", f"ActionID: {action_id}", "Ping: Pong")
    peer.clock.advance(2)
    assert len(pings_sent(peer)) == 1


def test_stop_stops_pinging(peer, keepalive):
    """After stop nothing more is sent and no call is left scheduled."""
    keepalive.start(peer.protocol, 10)
    keepalive.stop()
    keepalive.stop()
    peer.clock.advance(30)
    assert pings_sent(peer) == []
    assert peer.clock.getDelayedCalls() == []


def test_lost_connection_is_not_aborted(peer, keepalive, logged):
    """A Ping failed by the connection's loss neither aborts nor logs anything."""
    keepalive.start(peer.protocol, 10)
    peer.clock.advance(10)
    peer.protocol.connectionLost(Failure(ConnectionError("gone")))
    keepalive.stop()
    assert not peer.transport.disconnecting
    assert logged == []
