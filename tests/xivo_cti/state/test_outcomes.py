"""Tests of the recent outcomes of queue calls (xivo_cti.state._outcomes)."""

from __future__ import annotations

from twisted.internet.task import Clock

from xivo_cti.ami import Message
from xivo_cti.state import QueueCallLeft
from xivo_cti.state._outcomes import MAX_OUTCOMES, MAX_WINDOW, QueueOutcomes, WindowStats


def test_answered_and_abandoned_calls_in_a_window() -> None:
    """Each queue counts its own answered (with the QoS threshold) and abandoned calls
    that ended within the window; other events and malformed hold times are ignored."""
    clock = Clock()
    outcomes = QueueOutcomes(clock.seconds)
    outcomes.event(Message.of(Event="AgentConnect", Queue="q", HoldTime="40"))
    clock.advance(100)
    outcomes.event(Message.of(Event="AgentConnect", Queue="q", HoldTime="5"))
    outcomes.event(Message.of(Event="QueueCallerAbandon", Queue="q", HoldTime="90"))
    outcomes.event(Message.of(Event="AgentConnect", Queue="other", HoldTime="1"))
    outcomes.event(Message.of(Event="AgentComplete", Queue="q", HoldTime="1"))
    outcomes.event(Message.of(Event="AgentConnect", Queue="q", HoldTime="-3"))
    outcomes.event(Message.of(Event="AgentConnect", HoldTime="3"))
    assert outcomes.window("q", 50, 10) == WindowStats(1, 1, 1, 5)
    assert outcomes.window("q", 100, 10) == WindowStats(2, 1, 1, 40)
    assert outcomes.window("nope", 100, 10) == WindowStats()


def test_outcomes_are_bounded_in_number_and_age() -> None:
    """At most MAX_OUTCOMES per queue, and none older than MAX_WINDOW once another comes."""
    clock = Clock()
    outcomes = QueueOutcomes(clock.seconds)
    for _ in range(MAX_OUTCOMES + 10):
        outcomes.event(Message.of(Event="AgentConnect", Queue="q", HoldTime="1"))
    assert outcomes.window("q", MAX_WINDOW, 60).answered == MAX_OUTCOMES
    clock.advance(MAX_WINDOW + 1)
    outcomes.event(Message.of(Event="QueueCallerAbandon", Queue="q", HoldTime="1"))
    assert len(outcomes._by_queue["q"]) == 1


def left(queue: str, uniqueid: str, ended: float, answered: bool = True) -> QueueCallLeft:
    return QueueCallLeft(queue=queue, uniqueid=uniqueid, ended=ended, holdtime=4,
                         answered=answered)  # fmt: skip


def test_an_outcome_is_told_as_a_change() -> None:
    """What is recorded is returned (the history store keeps it across a restart)."""
    clock = Clock()
    clock.advance(50)
    outcomes = QueueOutcomes(clock.seconds)
    told = outcomes.event(Message.of(Event="QueueCallerAbandon", Queue="q", HoldTime="7",
                                     Uniqueid="1.5"))  # fmt: skip
    assert told == QueueCallLeft(queue="q", uniqueid="1.5", ended=50.0, holdtime=7,
                                 answered=False)  # fmt: skip
    assert outcomes.event(Message.of(Event="AgentComplete", Queue="q", HoldTime="1")) is None


def test_restore_merges_what_was_kept_with_what_came_since() -> None:
    """Restored outcomes count in the window with those seen since the start; one already
    seen (same caller) counts once; those older than MAX_WINDOW are dropped."""
    clock = Clock()
    clock.advance(MAX_WINDOW + 1000)
    now = clock.seconds()
    outcomes = QueueOutcomes(clock.seconds)
    outcomes.event(Message.of(Event="AgentConnect", Queue="q", HoldTime="4", Uniqueid="9.1"))
    outcomes.restore([left("q", "8.1", now - 60), left("q", "8.2", now - 30, answered=False),
                      left("q", "9.1", now), left("q", "7.1", now - MAX_WINDOW - 1),
                      left("r", "8.3", now - 10)])  # fmt: skip
    assert outcomes.window("q", 3600, 60) == WindowStats(2, 1, 2, 4)
    assert outcomes.window("r", 3600, 60) == WindowStats(1, 0, 1, 4)
    assert outcomes.window("q", MAX_WINDOW, 60).answered == 2


def test_restore_keeps_the_newest_within_the_bound() -> None:
    clock = Clock()
    clock.advance(10_000)
    outcomes = QueueOutcomes(clock.seconds)
    outcomes.restore([left("q", f"1.{n}", 9_000 + n) for n in range(MAX_OUTCOMES + 5)])
    kept = outcomes._by_queue["q"]
    assert len(kept) == MAX_OUTCOMES and kept[0].uniqueid == "1.5" and kept[-1].ended > 9_000
