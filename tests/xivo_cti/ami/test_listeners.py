"""Tests for the AMI client service's listener registries, on real AMIProtocols."""

from __future__ import annotations

from twisted.logger import Logger

from tests.xivo_cti.ami.conftest import Peer
from xivo_cti.ami.listeners import ConnectionListeners, EventListeners


def test_listener_added_before_a_connection_gets_its_events():
    """A listener added while disconnected is registered on the next connection."""
    listeners, peer, seen = EventListeners(), Peer(), []
    listeners.add(seen.append, None)
    peer.send("Event: Newchannel")
    listeners.attach(peer.protocol)
    peer.send("Event: Hangup")
    assert [m.event for m in seen] == ["Hangup"]


def test_listener_added_while_connected_gets_events_at_once():
    """A listener added with the current protocol receives its events at once."""
    listeners, peer, seen = EventListeners(), Peer(), []
    listeners.add(seen.append, peer.protocol)
    peer.send("Event: Hangup")
    assert len(seen) == 1


def test_listeners_follow_each_new_connection():
    """After detach, attach registers every listener on the new connection."""
    listeners, first, second, seen = EventListeners(), Peer(), Peer(), []
    listeners.add(seen.append, first.protocol)
    first.send("Event: Newchannel")
    listeners.detach()
    listeners.attach(second.protocol)
    second.send("Event: Hangup")
    assert [m.event for m in seen] == ["Newchannel", "Hangup"]


def test_remover_stops_delivery_now_and_on_later_connections():
    """The remover unregisters from the current connection and from every later one."""
    listeners, first, second, seen = EventListeners(), Peer(), Peer(), []
    remove = listeners.add(seen.append, None)
    listeners.attach(first.protocol)
    remove()
    remove()
    first.send("Event: Hangup")
    listeners.detach()
    listeners.attach(second.protocol)
    second.send("Event: Hangup")
    assert seen == []


def test_connection_listeners_called_in_order_until_removed():
    """notify calls every listener with the state, in order; a removed one is not called."""
    listeners, calls = ConnectionListeners(Logger(observer=lambda e: None)), []
    listeners.add(lambda up: calls.append(("a", up)))
    remove_b = listeners.add(lambda up: calls.append(("b", up)))
    listeners.notify(True)
    remove_b()
    listeners.notify(False)
    assert calls == [("a", True), ("b", True), ("a", False)]


def test_failing_connection_listener_is_logged_and_isolated():
    """A listener that raises is logged; the next listeners are still called."""
    logged, calls = [], []
    listeners = ConnectionListeners(Logger(observer=logged.append))

    def broken(up: bool) -> None:
        raise RuntimeError("boom")

    listeners.add(broken)
    listeners.add(calls.append)
    listeners.notify(True)
    assert calls == [True]
    assert len(logged) == 1 and logged[0]["log_failure"].check(RuntimeError)
