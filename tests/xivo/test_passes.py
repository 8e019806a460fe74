"""Tests for xivo.passes: the per-pass budget shared by AMI pacing, the broadcaster and the
CTI logins and disconnects (``PassQueue``)."""

from __future__ import annotations

from twisted.internet.task import Clock

from testing.passes import next_pass
from tests.steps import Steps
from xivo.passes import PassBudget, PassQueue


def test_stops_after_its_items() -> None:
    """A budget of 3 items does 3 steps and says there may be more."""
    steps = Steps(10)
    assert PassBudget(3).run(steps.step) is True
    assert steps.done == 3


def test_stops_when_nothing_is_left() -> None:
    """When the steps run out first, run says so."""
    steps = Steps(2)
    assert PassBudget(5).run(steps.step) is False
    assert steps.done == 2


def test_stops_once_its_time_is_spent() -> None:
    """The time budget ends a pass early, after at least one step."""
    ticks = iter(range(100))
    steps = Steps(10)
    assert PassBudget(100, 2.0, now=lambda: float(next(ticks))).run(steps.step) is True
    assert steps.done == 2


def queue(items: int, now=lambda: 0.0, seconds: float = float("inf")) -> tuple[Clock, PassQueue]:
    clock = Clock()
    return clock, PassQueue(clock, PassBudget(items, seconds, now=now))


def test_queue_runs_a_budget_of_items_per_pass() -> None:
    """Ten items added in one pass: three run at once, the rest three per later pass, in
    the order they were added."""
    clock, passes = queue(3)
    done: list[int] = []
    for i in range(10):
        passes.add(lambda i=i: done.append(i))
    assert done == [0, 1, 2] and len(passes) == 7
    next_pass(clock)
    assert done == list(range(6))
    next_pass(clock)
    next_pass(clock)
    assert done == list(range(10)) and len(passes) == 0
    next_pass(clock)
    assert not clock.getDelayedCalls()  # a quiet pass schedules nothing


def test_queue_keeps_order_behind_waiting_items() -> None:
    """An item added while others wait waits behind them, even once a fresh pass began."""
    clock, passes = queue(2)
    done: list[str] = []
    for name in "abcd":
        passes.add(lambda name=name: done.append(name))
    next_pass(clock)
    passes.add(lambda: done.append("e"))  # the pass that ran c and d is spent
    assert done == ["a", "b", "c", "d"]
    next_pass(clock)
    assert done == ["a", "b", "c", "d", "e"]


def test_queue_pass_ends_once_its_time_is_spent() -> None:
    """The time budget ends a pass before its count, after at least one item."""
    ticks = iter(range(1000))
    clock, passes = queue(100, now=lambda: float(next(ticks)), seconds=2.5)
    done: list[int] = []
    for i in range(6):
        passes.add(lambda i=i: done.append(i))
    assert 1 <= len(done) < 6
    first = len(done)
    next_pass(clock)
    assert first < len(done)
    for _ in range(6):
        next_pass(clock)
    assert done == list(range(6))
