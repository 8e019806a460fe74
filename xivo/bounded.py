"""Waiting on a Deferred for a bounded time without cancelling it.

``Deferred.addTimeout`` cancels what it waits on; for a database query that means the
driver's cancel (libpq's ``PQcancel``), which waits for the server with the interpreter
held: a frozen server would stop the whole daemon.  ``bounded`` instead gives its caller
an error at the deadline and lets ``give_up`` end the wait its own way (close the
connection); whatever the wait gives later is dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.python.failure import Failure

__all__ = ["bounded", "forward"]

T = TypeVar("T")


def forward(outcome: Any, result: Deferred[Any]) -> None:
    """Fire ``result`` with ``outcome`` (a value or a ``Failure``) unless it already
    fired (cancelled, or given up)."""
    if result.called:
        return
    if isinstance(outcome, Failure):
        result.errback(outcome)
    else:
        result.callback(outcome)


def bounded(
    d: Deferred[T],
    seconds: float,
    clock: IReactorTime,
    *,
    give_up: Callable[[], object],
    error: Callable[[], Exception],
) -> Deferred[T]:
    """``d``'s outcome, or ``error()`` if ``d`` has none within ``seconds``; then
    ``give_up()`` runs (after the error is given: it may fire ``d`` at once)."""
    result: Deferred[T] = Deferred()

    def expired() -> None:
        result.errback(error())
        give_up()

    def answered(outcome: Any) -> None:
        if timer.active():
            timer.cancel()
        forward(outcome, result)

    timer = clock.callLater(seconds, expired)
    d.addBoth(answered)
    return result
