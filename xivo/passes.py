"""``PassBudget``: how much work one reactor pass may do before it lets other sockets in.

A stream of work (AMI messages read, client writes of a fan-out) is done in slices: a
slice stops after ``items`` steps or once ``seconds`` have passed on a monotonic clock,
whichever comes first (a count alone does not bound a pass: one step's cost varies), and
the caller schedules the rest for the next reactor pass.  At least one step is done.
``PassQueue`` does that for work items that arrive one by one (a login completed, a
client gone): each runs at once while the pass's budget lasts, the rest pass by pass.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from twisted.internet.interfaces import IDelayedCall, IReactorTime

__all__ = ["PassBudget", "PassQueue"]


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


class PassQueue:
    """Work items run in the order added, at most a ``budget`` of them per reactor pass.

    A pass starts with the first item added after a quiet one (and a ``callLater(0)``
    marking its end); ``add`` runs the item at once while that pass's budget lasts and
    nothing waits, else queues it; each later pass runs queued items under a fresh budget.
    """

    def __init__(self, clock: IReactorTime, budget: PassBudget) -> None:
        self._clock = clock
        self._budget = budget
        self._waiting: deque[Callable[[], None]] = deque()
        self._pass: IDelayedCall | None = None
        self._left = 0
        self._deadline = 0.0

    def __len__(self) -> int:
        return len(self._waiting)

    def add(self, work: Callable[[], None]) -> None:
        """Run ``work()`` now if this pass's budget allows, else in a later pass."""
        if self._pass is None:
            self._open()
        if self._waiting or not self._spend():
            self._waiting.append(work)
            return
        work()

    def _open(self) -> None:
        self._pass = self._clock.callLater(0, self._next_pass)
        self._left = self._budget.items
        self._deadline = self._budget.now() + self._budget.seconds

    def _spend(self) -> bool:
        if self._left <= 0 or self._budget.now() >= self._deadline:
            return False
        self._left -= 1
        return True

    def _next_pass(self) -> None:
        self._pass = None
        if not self._waiting:
            return
        self._open()
        self._left -= 1  # at least one item per pass
        self._waiting.popleft()()
        while self._waiting and self._spend():
            self._waiting.popleft()()
