"""Tests of ReadPacer: a bounded number of steps per reactor pass, transport paused between."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from testing.passes import next_pass
from tests.steps import Steps
from xivo_cti.ami._pacing import ReadPacer


def test_pauses_past_the_budget_and_resumes_when_empty() -> None:
    """5 items, 2 per pass: 2 now with reading paused, all 5 later with reading resumed."""
    clock, transport, items = Clock(), StringTransport(), Steps(5)
    pacer = ReadPacer(clock, 2, items.step)
    pacer.run(transport)
    assert items.done == 2 and transport.producerState == "paused"
    pacer.run(transport)  # a read delivered during the pause waits for the slice
    assert items.done == 2
    clock.advance(0)
    assert items.done == 5 and transport.producerState == "producing"
    assert not clock.getDelayedCalls()


def test_within_budget_never_pauses() -> None:
    """Items within the budget are handled at once and the transport is left alone."""
    clock, transport, items = Clock(), StringTransport(), Steps(2)
    ReadPacer(clock, 3, items.step).run(transport)
    assert items.done == 2 and transport.producerState == "producing"
    assert not clock.getDelayedCalls()


def test_finish_handles_the_rest_at_once() -> None:
    """finish() handles every buffered item now and leaves no call behind."""
    clock, transport, items = Clock(), StringTransport(), Steps(7)
    pacer = ReadPacer(clock, 2, items.step)
    pacer.run(transport)
    pacer.finish()
    assert items.done == 7 and not clock.getDelayedCalls()


def test_stop_leaves_the_transport_alone() -> None:
    """After stop() no slice runs and the transport is never resumed."""
    clock, transport, items = Clock(), StringTransport(), Steps(5)
    pacer = ReadPacer(clock, 2, items.step)
    pacer.run(transport)
    pacer.stop()
    pacer.run(transport)
    clock.advance(0)
    assert items.done == 2 and transport.producerState == "paused"


class Ticks:
    """A monotonic clock that advances ``per_call`` seconds each time it is read."""

    def __init__(self, per_call: float) -> None:
        self.t = 0.0
        self.per_call = per_call

    def __call__(self) -> float:
        self.t += self.per_call
        return self.t


def test_time_budget_ends_the_pass_before_the_count() -> None:
    """With 1 ms read per item and a 3 ms budget, a pass handles 3 items, not 100."""
    clock, transport, items = Clock(), StringTransport(), Steps(10)
    pacer = ReadPacer(clock, 100, items.step, time_per_pass=0.003, now=Ticks(0.001))
    pacer.run(transport)
    assert items.done == 3 and transport.producerState == "paused"
    next_pass(clock)
    assert items.done == 6
    clock.advance(0)
    assert items.done == 10 and transport.producerState == "producing"
    assert not clock.getDelayedCalls()


def test_slow_item_still_makes_progress() -> None:
    """An item longer than the whole budget is handled alone, one per pass."""
    clock, transport, items = Clock(), StringTransport(), Steps(2)
    pacer = ReadPacer(clock, 100, items.step, time_per_pass=0.001, now=Ticks(1.0))
    pacer.run(transport)
    assert items.done == 1 and transport.producerState == "paused"
    next_pass(clock)
    assert items.done == 2
    next_pass(clock)
    assert transport.producerState == "producing" and not clock.getDelayedCalls()
