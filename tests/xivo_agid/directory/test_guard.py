"""Tests for xivo_agid.directory._guard."""

from twisted.internet.defer import Deferred, TimeoutError
from twisted.internet.task import Clock

from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource


class ManualSource:
    """A source whose lookups fire when the test says so."""

    name = "manual"

    def __init__(self):
        self.calls = []
        self.cancelled = 0

    def lookup(self, candidates):
        d = Deferred(lambda _: self._cancel())
        self.calls.append(d)
        return d

    def _cancel(self):
        self.cancelled += 1


def test_concurrency_limit_queues_extra_lookups():
    """Only ``concurrency`` lookups run at once; the next starts when one finishes."""
    source = ManualSource()
    guard = GuardedSource(source, timeout=1, concurrency=2, clock=Clock())
    results = [guard.lookup(["1"]) for _ in range(3)]
    assert len(source.calls) == 2
    contact = Contact(name="A", source="manual")
    source.calls[0].callback(contact)
    assert results[0].result == contact
    assert len(source.calls) == 3


def test_timeout_cancels_the_lookup_and_frees_the_slot():
    """After ``timeout`` the lookup is cancelled, fails with TimeoutError, and a slot frees."""
    clock = Clock()
    source = ManualSource()
    guard = GuardedSource(source, timeout=0.3, concurrency=1, clock=clock)
    first = guard.lookup(["1"])
    failures = []
    first.addErrback(failures.append)
    clock.advance(0.3)
    assert source.cancelled == 1
    assert failures[0].check(TimeoutError)
    guard.lookup(["2"])
    assert len(source.calls) == 2


def test_waiting_for_a_slot_counts_in_the_timeout():
    """The time spent waiting for a slot is part of a lookup's timeout."""
    clock = Clock()
    source = ManualSource()
    guard = GuardedSource(source, timeout=0.3, concurrency=1, clock=clock)
    guard.lookup(["1"]).addErrback(lambda f: None)
    clock.advance(0.2)
    waiting = guard.lookup(["2"])
    failures = []
    waiting.addErrback(failures.append)
    clock.advance(0.1)  # the first times out; the second reaches the source now
    assert len(source.calls) == 2
    clock.advance(0.2)  # 0.3 s after it was asked, though it ran only 0.2 s
    assert failures and failures[0].check(TimeoutError)


def test_cancelling_the_result_cancels_the_lookup_and_frees_the_slot():
    """Cancelling a guarded lookup cancels the source's lookup and lets the next one run."""
    source = ManualSource()
    guard = GuardedSource(source, timeout=1, concurrency=1, clock=Clock())
    first = guard.lookup(["1"])
    second = guard.lookup(["2"])
    first.addErrback(lambda f: None)
    first.cancel()
    assert source.cancelled == 1
    assert len(source.calls) == 2 and not second.called


def test_cancelling_a_waiting_lookup_never_runs_it():
    """A lookup cancelled while waiting for a slot never reaches the source."""
    source = ManualSource()
    guard = GuardedSource(source, timeout=1, concurrency=1, clock=Clock())
    guard.lookup(["1"])
    waiting = guard.lookup(["2"])
    waiting.addErrback(lambda f: None)
    waiting.cancel()
    source.calls[0].callback(None)
    assert len(source.calls) == 1


def test_source_raising_gives_a_failure_and_frees_the_slot():
    """A source whose lookup raises gives a failed Deferred, not an exception."""

    class Broken:
        name = "broken"

        def lookup(self, candidates):
            raise RuntimeError("boom")

    guard = GuardedSource(Broken(), timeout=1, concurrency=1, clock=Clock())
    for _ in range(2):
        out = []
        guard.lookup(["1"]).addErrback(out.append)
        assert out[0].check(RuntimeError)


def test_no_timeout_sets_no_timer_and_cancel_still_stops_the_lookup():
    """With timeout None no timer is scheduled; cancelling still cancels the source."""
    clock = Clock()
    source = ManualSource()
    guard = GuardedSource(source, timeout=None, concurrency=1, clock=clock)
    first = guard.lookup(["1"])
    second = guard.lookup(["2"])
    assert clock.getDelayedCalls() == []
    first.addErrback(lambda f: None)
    first.cancel()
    assert source.cancelled == 1
    contact = Contact(name="B", source="manual")
    source.calls[1].callback(contact)
    assert second.result == contact
