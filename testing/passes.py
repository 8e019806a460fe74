"""Reactor passes on a test clock: ``Clock.advance(0)`` runs the zero-delay calls that
the calls it runs schedule, where a reactor leaves them for its next pass."""

from __future__ import annotations

from twisted.internet.task import Clock

__all__ = ["next_pass"]


def next_pass(clock: Clock) -> None:
    """Run the calls due now, as one reactor pass does (not those they schedule)."""
    due = [c for c in clock.getDelayedCalls() if c.getTime() <= clock.seconds()]
    for call in due:
        clock.calls.remove(call)
        call.func(*call.args, **call.kw)
