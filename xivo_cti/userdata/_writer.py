"""``HistoryWriter``: finished calls (history rows, queue outcomes) gathered in memory,
written in batches.

The AMI path only appends to a list; a timer writes what was gathered every
``interval`` seconds in one transaction.  A failed batch is kept for the next try,
up to ``max_pending`` calls (the oldest are dropped beyond, with a warning).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.userdata._model import HistoryRow, QueueOutcome
from xivo_cti.userdata._store import UserDataStore

__all__ = ["HistoryWriter"]


class HistoryWriter:
    """Batches history rows and queue outcomes into ``store``, keeping ``keep`` calls per
    user."""

    log = Logger()

    def __init__(
        self,
        store: UserDataStore,
        clock: IReactorTime,
        *,
        keep: int,
        interval: float = 1.0,
        max_pending: int = 10_000,
    ) -> None:
        self._store = store
        self._clock = clock
        self.keep = keep
        self.interval = interval
        self.max_pending = max_pending
        self._pending: list[HistoryRow | QueueOutcome] = []
        self._timer: IDelayedCall | None = None
        self._failing = False
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Rows gathered and not yet written."""
        return len(self._pending)

    def add(self, row: HistoryRow | QueueOutcome) -> None:
        """Gather one finished call (cheap: called on the AMI path)."""
        pending = self._pending
        pending.append(row)
        if len(pending) > self.max_pending:
            del pending[0]
            self.dropped += 1
        if self._timer is None:
            self._timer = self._clock.callLater(self.interval, self.flush)

    def flush(self) -> Deferred[None]:
        """Write what was gathered now (also before a read, which then sees it)."""
        rows = self._take()
        if not rows:
            return succeed(None)
        d = self._store.add_history(rows, self.keep)
        d.addCallbacks(self._written, self._failed, errbackArgs=(rows,))
        return d

    def _take(self) -> list[HistoryRow | QueueOutcome]:
        """The rows gathered so far, with the pending flush cancelled."""
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None
        rows, self._pending = self._pending, []
        return rows

    def _written(self, _: object) -> None:
        if self._failing:
            self._failing = False
            self.log.info("call history written again")

    def _failed(self, failure: Failure, rows: list[HistoryRow | QueueOutcome]) -> None:
        if not self._failing:
            self._failing = True
            self.log.warn("call history not written, kept for the next try: {error}",
                          error=failure.getErrorMessage())  # fmt: skip
        self._pending[:0] = rows
        excess = len(self._pending) - self.max_pending
        if excess > 0:
            del self._pending[:excess]
            self.dropped += excess
        if self._timer is None:
            self._timer = self._clock.callLater(self.interval, self.flush)

    def stop(self) -> Deferred[None]:
        """Write what is left, without retrying (at shutdown)."""
        rows = self._take()
        if not rows:
            return succeed(None)
        d = self._store.add_history(rows, self.keep)
        return d.addErrback(lambda f: self.log.warn("call history lost at shutdown: {error}",
                                                     error=f.getErrorMessage()))  # fmt: skip
