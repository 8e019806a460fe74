"""A per-user rate limit on the commands that reach Asterisk (a token bucket per login).

Each user may run ``burst`` such commands at once, then ``rate`` per second; over it a
command is refused with ``rate_limited`` before anything is sent.  A user's sessions
share one bucket.  Buckets that are full again are forgotten, so memory follows the
users who are active right now.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

__all__ = ["CommandRate"]


class CommandRate:
    """``allow(login)`` takes one token from the user's bucket, if there is one."""

    def __init__(self, clock: IReactorTime, rate: float, burst: int) -> None:
        self._clock = clock
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, login: str) -> bool:
        """True (one token taken) if ``login`` may run a command now."""
        now = self._clock.seconds()
        tokens, since = self._buckets.get(login, (self.burst, now))
        tokens = min(self.burst, tokens + (now - since) * self.rate)
        if tokens < 1:
            self._buckets[login] = (tokens, now)
            return False
        self._buckets[login] = (tokens - 1, now)
        if len(self._buckets) > 64:
            self._forget_full(now)
        return True

    def _forget_full(self, now: float) -> None:
        full = [
            login
            for login, (tokens, since) in self._buckets.items()
            if tokens + (now - since) * self.rate >= self.burst
        ]
        for login in full:
            del self._buckets[login]
