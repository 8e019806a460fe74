"""Tests for xivo.listeners: the one listener list type."""

from __future__ import annotations

from twisted.logger import Logger

from xivo.listeners import Listeners


def test_listeners_called_in_order_until_removed():
    """notify calls every listener with the arguments, in order; a removed one is not called."""
    listeners: Listeners[[bool]] = Listeners("test")
    calls = []
    listeners.add(lambda up: calls.append(("a", up)))
    remove_b = listeners.add(lambda up: calls.append(("b", up)))
    listeners.notify(True)
    remove_b()
    remove_b()
    listeners.notify(False)
    assert calls == [("a", True), ("b", True), ("a", False)]
    assert len(listeners) == 1


def test_failing_listener_is_logged_and_isolated():
    """A listener that raises is logged; the next listeners are still called."""
    logged, calls = [], []
    listeners: Listeners[[bool]] = Listeners("test", Logger(observer=logged.append))

    def broken(up: bool) -> None:
        raise RuntimeError("boom")

    listeners.add(broken)
    listeners.add(calls.append)
    listeners.notify(True)
    assert calls == [True]
    assert len(logged) == 1 and logged[0]["log_failure"].check(RuntimeError)


def test_listener_removed_during_notify_is_still_called_this_time():
    """Removing a listener while notifying takes effect from the next notify."""
    listeners: Listeners[[]] = Listeners("test")
    calls = []
    removers = []
    listeners.add(lambda: (calls.append("a"), removers[0]()))
    removers.append(listeners.add(lambda: calls.append("b")))
    listeners.notify()
    listeners.notify()
    assert calls == ["a", "b", "a"]
