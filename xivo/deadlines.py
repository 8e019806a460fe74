"""Many timeouts of one length on one reactor timer.

A FastAGI request used to arm and cancel a ``callLater`` per deadline (a ``DelayedCall``
pushed on the reactor's heap, cancelled, swept later).  Deadlines of the same length
expire in the order they were set, so they can wait in a FIFO: setting one appends to
it, cancelling one marks it, and a single timer, armed for the oldest live deadline,
pops what has expired (firing the live ones) and re-arms for the next.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

__all__ = ["Deadline", "Deadlines"]

log = Logger()

_SLACK = 1e-6
"""Seconds: a deadline this close is due (the clock's float arithmetic may land just
short of it)."""


class Deadline:
    """One deadline of a ``Deadlines``: cancel it, or it calls its function when due."""

    __slots__ = ("at", "expired")

    def __init__(self, at: float, expired: Callable[[], object]) -> None:
        self.at = at
        self.expired: Callable[[], object] | None = expired

    def active(self) -> bool:
        """Whether it is neither cancelled nor fired."""
        return self.expired is not None

    def cancel(self) -> None:
        """Never fire (nothing happens if it already fired)."""
        self.expired = None


class Deadlines:
    """Deadlines ``delay`` seconds after they are set, on ``clock``.

    A cancelled deadline stays queued (a few dozen bytes) until its time has passed, so
    the queue holds at most the deadlines set in the last ``delay`` seconds.
    """

    def __init__(self, clock: IReactorTime, delay: float) -> None:
        self.delay = delay
        self._clock = clock
        self._queue: deque[Deadline] = deque()
        self._timer: IDelayedCall | None = None

    def __len__(self) -> int:
        """Deadlines queued, cancelled ones included."""
        return len(self._queue)

    def start(self, expired: Callable[[], object]) -> Deadline:
        """Call ``expired`` in ``delay`` seconds unless the returned deadline is cancelled."""
        deadline = Deadline(self._clock.seconds() + self.delay, expired)
        self._queue.append(deadline)
        if self._timer is None:
            self._timer = self._clock.callLater(self.delay, self._due)
        return deadline

    def _due(self) -> None:
        # self._timer stays set while this runs: a deadline set by a function called
        # here queues behind the others without arming a second timer.
        queue = self._queue
        now = self._clock.seconds()
        while queue:
            deadline = queue[0]
            if deadline.expired is not None:
                if deadline.at > now + _SLACK:
                    self._timer = self._clock.callLater(deadline.at - now, self._due)
                    return
                expired, deadline.expired = deadline.expired, None
                queue.popleft()
                try:
                    expired()
                except Exception:
                    log.failure("a deadline's function failed")
            else:
                queue.popleft()
        self._timer = None
