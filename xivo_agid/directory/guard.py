"""Per-source limits: a concurrency cap and a timeout around each lookup."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.defer import Deferred, DeferredSemaphore
from twisted.internet.interfaces import IReactorTime

from .contact import Contact
from .source import DirectorySource

__all__ = ["GuardedSource"]


class GuardedSource:
    """Run ``source.lookup`` at most ``concurrency`` at a time, each within ``timeout``.

    Waiting for a free slot counts in the timeout.  On timeout the lookup (or the
    wait) is cancelled and the Deferred fails with ``TimeoutError``.
    """

    def __init__(
        self, source: DirectorySource, *, timeout: float, concurrency: int, clock: IReactorTime
    ) -> None:
        self.source = source
        self.name = source.name
        self.timeout = timeout
        self._clock = clock
        self._slots = DeferredSemaphore(concurrency)

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """The source's answer, or a failure after ``timeout`` seconds."""
        d = self._slots.run(self.source.lookup, candidates)
        return d.addTimeout(self.timeout, self._clock)
