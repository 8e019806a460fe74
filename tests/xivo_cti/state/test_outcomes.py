"""Tests of the recent outcomes of queue calls (xivo_cti.state._outcomes)."""

from __future__ import annotations

from twisted.internet.task import Clock

from xivo_cti.ami import Message
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
