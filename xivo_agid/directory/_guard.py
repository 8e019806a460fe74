"""Per-source limits (a concurrency cap and a timeout around each lookup), and the
spellings of a number the source is asked for."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Any

from twisted.internet.defer import Deferred, TimeoutError, maybeDeferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

from ._contact import Contact
from ._numbers import ANY
from ._source import DirectorySource

__all__ = ["GuardedSource"]


class _Call:
    """One guarded lookup: its result, its timer and, once started, the source's Deferred."""

    __slots__ = ("candidates", "result", "timer", "running")

    def __init__(self, candidates: Sequence[str], guard: GuardedSource) -> None:
        self.candidates = candidates
        self.result: Deferred[Contact | None] = Deferred(lambda _d: guard._stop(self))
        self.timer: Any = None
        self.running: Deferred[Contact | None] | None = None


class GuardedSource:
    """Run ``source.lookup`` at most ``concurrency`` at a time, each within ``timeout``.

    Waiting for a free slot counts in the timeout.  On timeout the lookup (or the
    wait) is cancelled and the Deferred fails with ``TimeoutError``; cancelling the
    Deferred cancels the lookup.  A ``timeout`` of None sets no timer: the caller
    bounds the lookup itself by cancelling it.  At most one timer and no intermediate
    Deferred per lookup, and with no timeout and a free slot the source's own
    Deferred is returned: this sits on the path of every call.  ``number_format`` is
    how the source stores its numbers (``_numbers.NUMBER_FORMATS``): the lookup asks it
    for those spellings only.
    """

    def __init__(
        self,
        source: DirectorySource,
        *,
        timeout: float | None,
        concurrency: int,
        clock: IReactorTime,
        number_format: str = ANY,
    ) -> None:
        self.source = source
        self.name = source.name
        self.number_format = number_format
        self.timeout = timeout
        self.concurrency = concurrency
        self._clock = clock
        self._running = 0
        self._waiting: deque[_Call] = deque()

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """The source's answer, or a failure after ``timeout`` seconds (if set)."""
        if self.timeout is None and self._running < self.concurrency:
            # Nothing to wait for and no timer: the source's own Deferred will do.
            self._running += 1
            return maybeDeferred(self.source.lookup, candidates).addBoth(self._released)
        call = _Call(candidates, self)
        if self.timeout is not None:
            call.timer = self._clock.callLater(self.timeout, self._timed_out, call)
        if self._running < self.concurrency:
            self._start(call)
        else:
            self._waiting.append(call)
        return call.result

    def _start(self, call: _Call) -> None:
        self._running += 1
        call.running = maybeDeferred(self.source.lookup, call.candidates)
        call.running.addBoth(self._done, call)

    def _done(self, outcome: Any, call: _Call) -> None:
        call.running = None
        if call.timer is not None and call.timer.active():
            call.timer.cancel()
        if call.result.called:
            pass
        elif isinstance(outcome, Failure):
            call.result.errback(outcome)
        else:
            call.result.callback(outcome)
        self._released(None)

    def _released(self, outcome: Any) -> Any:
        """A lookup ended (answered, failed or cancelled): start the next waiting one."""
        self._running -= 1
        while self._waiting and self._running < self.concurrency:
            self._start(self._waiting.popleft())
        return outcome

    def _timed_out(self, call: _Call) -> None:
        call.result.errback(TimeoutError(f"{self.name}: no answer within {self.timeout}s"))
        self._stop(call)

    def _stop(self, call: _Call) -> None:
        if call.timer is not None and call.timer.active():
            call.timer.cancel()
        if call.running is not None:
            call.running.cancel()
        elif call in self._waiting:
            self._waiting.remove(call)
