"""``Steps``: work of ``count`` items for the per-pass budgets under test (``PassBudget``,
``ReadPacer``) to go through."""

from __future__ import annotations

__all__ = ["Steps"]


class Steps:
    """``count`` items; ``step`` handles one and says whether it did (False once none
    is left); ``done`` counts those handled, ``left`` those still waiting."""

    def __init__(self, count: int) -> None:
        self.left = count
        self.done = 0

    def step(self) -> bool:
        if not self.left:
            return False
        self.left -= 1
        self.done += 1
        return True
