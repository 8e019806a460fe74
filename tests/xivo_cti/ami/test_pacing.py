"""Tests of ReadPacer: a bounded number of steps per reactor pass, transport paused between."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from xivo_cti.ami.pacing import ReadPacer


class Items:
    """A buffer of ``count`` items; ``step`` handles one."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.done = 0

    def step(self) -> bool:
        if not self.left:
            return False
        self.left -= 1
        self.done += 1
        return True


def test_pauses_past_the_budget_and_resumes_when_empty() -> None:
    """5 items, 2 per pass: 2 now with reading paused, all 5 later with reading resumed."""
    clock, transport, items = Clock(), StringTransport(), Items(5)
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
    clock, transport, items = Clock(), StringTransport(), Items(2)
    ReadPacer(clock, 3, items.step).run(transport)
    assert items.done == 2 and transport.producerState == "producing"
    assert not clock.getDelayedCalls()


def test_finish_handles_the_rest_at_once() -> None:
    """finish() handles every buffered item now and leaves no call behind."""
    clock, transport, items = Clock(), StringTransport(), Items(7)
    pacer = ReadPacer(clock, 2, items.step)
    pacer.run(transport)
    pacer.finish()
    assert items.done == 7 and not clock.getDelayedCalls()


def test_stop_leaves_the_transport_alone() -> None:
    """After stop() no slice runs and the transport is never resumed."""
    clock, transport, items = Clock(), StringTransport(), Items(5)
    pacer = ReadPacer(clock, 2, items.step)
    pacer.run(transport)
    pacer.stop()
    pacer.run(transport)
    clock.advance(0)
    assert items.done == 2 and transport.producerState == "paused"
