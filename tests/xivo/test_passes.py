"""Tests for xivo.passes: the per-pass budget shared by AMI pacing and the broadcaster."""

from __future__ import annotations

from tests.steps import Steps
from xivo.passes import PassBudget


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
