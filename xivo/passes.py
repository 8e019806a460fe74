"""``PassBudget``: how much work one reactor pass may do before it lets other sockets in.

A stream of work (AMI messages read, client writes of a fan-out) is done in slices: a
slice stops after ``items`` steps or once ``seconds`` have passed on a monotonic clock,
whichever comes first (a count alone does not bound a pass: one step's cost varies), and
the caller schedules the rest for the next reactor pass.  At least one step is done.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["PassBudget"]


@dataclass(frozen=True, slots=True)
class PassBudget:
    """At most ``items`` steps and about ``seconds`` of them per pass."""

    items: int
    seconds: float = float("inf")
    now: Callable[[], float] = field(default=time.monotonic, compare=False)

    def run(self, step: Callable[[], bool]) -> bool:
        """Call ``step()`` (True: one step done, False: nothing left) until the budget is
        spent (returns True: there may be more) or nothing is left (returns False)."""
        now = self.now
        budget = self.items
        deadline = now() + self.seconds
        while step():
            budget -= 1
            if not budget or now() >= deadline:
                return True
        return False
