"""The reverse lookup: all sources in parallel, the most trusted match wins, on a deadline."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.defer import Deferred, TimeoutError, succeed
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.deadlines import Deadline, Deadlines
from xivo_agid.metrics import AgidMetrics

from ._cache import TTLCache
from ._contact import Contact
from ._guard import GuardedSource
from ._numbers import CallerNumber

__all__ = ["ReverseLookupService"]

log = Logger()
_PENDING = object()
_FAILED = object()
_NOT_CACHED = object()


class ReverseLookupService:
    """Find the contact for a number in ``sources`` (highest priority first).

    Every source is asked at once.  The answer is the match of the first source in
    priority order that matched, once every source before it has answered "no" or
    failed; a faster, less trusted match never wins.  When ``timeout`` expires the
    best match received so far (or None) is the answer.  Unfinished lookups are
    then cancelled.  A failing source only counts as "no".  Complete answers,
    "not found" included, are cached by the number as dialled; answers missing a
    source are not.

    Metrics: cache hits and misses, each source's latency and timeouts, and the whole
    lookup's as source ``all``.
    """

    def __init__(
        self,
        sources: Sequence[GuardedSource],
        *,
        timeout: float,
        cache: TTLCache[Contact | None],
        clock: IReactorTime,
        metrics: AgidMetrics,
    ) -> None:
        self.sources = tuple(sources)
        self.metrics = metrics
        self.timeout = timeout
        self.cache = cache
        self._clock = clock
        self._deadlines = Deadlines(clock, timeout)

    def lookup(self, number: CallerNumber) -> Deferred[Contact | None]:
        """The contact for ``number``; each source is asked for the spellings of its
        ``number_format``.  Never fails: errors and timeouts give None.
        """
        if not self.sources:
            return succeed(None)
        key = number.dialled
        cached = self.cache.get(key, _NOT_CACHED)
        if cached is not _NOT_CACHED:
            self.metrics.cache_hits.inc()
            return succeed(cached)
        self.metrics.cache_misses.inc()
        return _Race(self, key, number).result


class _Race:
    """One lookup in flight: the per-source Deferreds and the deadline."""

    def __init__(self, service: ReverseLookupService, key: str, number: CallerNumber):
        self._service = service
        self._key = key
        self._started = service._clock.seconds()
        self.result: Deferred[Contact | None] = Deferred(self._cancelled)
        self._done = False
        self._answers: list[object] = [_PENDING] * len(service.sources)
        self._pending: list[Deferred | None] = []
        self._timer: Deadline | None = service._deadlines.start(self._expired)
        for index, source in enumerate(service.sources):
            if self._done:
                break
            d = source.lookup(number.spelt(source.number_format))
            self._pending.append(d)
            d.addCallbacks(self._answered, self._failed, (index,), None, (index, source.name))

    def _elapsed(self) -> float:
        return self._service._clock.seconds() - self._started

    def _answered(self, contact: Contact | None, index: int) -> None:
        self._pending[index] = None
        self._answers[index] = contact
        self._service.metrics.latency(self._service.sources[index].name).observe(self._elapsed())
        self._decide(final=False)

    def _failed(self, failure: Failure, index: int, name: str) -> None:
        self._pending[index] = None
        self._answers[index] = _FAILED
        if failure.check(TimeoutError):
            self._service.metrics.timeouts(name).inc()
        if not self._done:
            log.debug(
                "directory source {source} gave no answer: {error}",
                source=name,
                error=failure.getErrorMessage() or failure.type.__name__,
            )
            self._decide(final=False)

    def _expired(self) -> None:
        self._timer = None
        late = [
            s.name
            for s, a in zip(self._service.sources, self._answers, strict=True)
            if a is _PENDING
        ]
        log.debug("directory lookup deadline passed without {sources}", sources=late)
        for name in ("all", *late):
            self._service.metrics.timeouts(name).inc()
        self._decide(final=True)

    def _decide(self, *, final: bool) -> None:
        if self._done:
            return
        complete = True
        for answer in self._answers:
            if answer is _PENDING:
                complete = False
                if not final:
                    return
            elif answer is not None and answer is not _FAILED:
                self._finish(answer, cache=complete)
                return
        if complete or final:
            self._finish(None, cache=complete and _FAILED not in self._answers)

    def _finish(self, contact: Contact | None, *, cache: bool) -> None:
        self._service.metrics.latency("all").observe(self._elapsed())
        if cache:
            self._service.cache.put(self._key, contact)
        self._stop()
        self.result.callback(contact)

    def _cancelled(self, _result: Deferred) -> None:
        self._stop()

    def _stop(self) -> None:
        self._done = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for d in self._pending:
            if d is not None:
                d.cancel()
