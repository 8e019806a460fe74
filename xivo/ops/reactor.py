"""The daemons' reactor: Twisted's epoll reactor without the per-event log context.

For each ready descriptor, Twisted's epoll loop enters a legacy log context named after
the descriptor (``log.callWithLogger``: two dict copies and a thread-local context
push per event) before reading or writing.  Only old-style ``twisted.python.log``
messages use that context, as their ``system`` field; the daemons log with
``twisted.logger``, which does not.  Dispatching without it takes about 6 µs of CPU off
each FastAGI request (three events), 5% of a reverse lookup (``docs/benchmarks.md``).

A pass takes at most ``events_per_pass`` ready descriptors from epoll (Twisted asks for
as many as it watches).  A burst that readies a thousand sockets at once (a reconnect
storm's resets, a fan-out's writable clients) is then worked through over several
passes, with timers and the other sockets' turns between them: epoll hands back the
descriptors it left out first at the next wait, and re-queues level-triggered ones it
returned at the end of its ready list, so every descriptor keeps its turn.

Everything else is ``EPollReactor``'s own: readiness, reads and writes, disconnections,
timers, threads, signals.  What dispatching an event raises (Twisted's
``_doReadOrWrite`` already catches what a descriptor's ``doRead``/``doWrite`` raise)
is logged with the descriptor's log prefix, and the other events of the pass still run.

Use it with ``twistd --reactor=xivo``, as the systemd units in ``init/`` do; the daemons
also run on any other reactor.  It relies on ``EPollReactor`` internals, stable since
Twisted 10 (``_poller``, ``_selectables``, ``_doReadOrWrite``); ``tests/xivo/ops/
test_reactor.py`` runs a TCP exchange, timers and a failing descriptor through it.
"""

from __future__ import annotations

from twisted.internet.epollreactor import EPollReactor
from twisted.internet.main import installReactor
from twisted.logger import Logger

__all__ = ["DaemonReactor", "install"]

log = Logger()


class DaemonReactor(EPollReactor):
    """``EPollReactor`` dispatching each ready descriptor without a log context, at most
    ``events_per_pass`` of them a pass."""

    events_per_pass = 128

    def doPoll(self, timeout: float | None) -> None:
        limit = min(len(self._selectables), self.events_per_pass)
        try:
            ready = self._poller.poll(-1 if timeout is None else timeout, limit)
        except InterruptedError:
            return
        selectables = self._selectables
        dispatch = self._doReadOrWrite
        for fd, event in ready:
            selectable = selectables.get(fd)
            if selectable is None:  # removed by an earlier event of this pass
                continue
            try:
                dispatch(selectable, fd, event)
            except Exception:
                log.failure("dispatching an event of {prefix}", prefix=_prefix(selectable))

    doIteration = doPoll


def _prefix(selectable: object) -> str:
    try:
        return str(selectable.logPrefix())  # type: ignore[attr-defined]
    except Exception:
        return repr(selectable)


def install() -> DaemonReactor:
    """Install ``DaemonReactor`` as the global reactor (before anything imports one)."""
    reactor = DaemonReactor()
    installReactor(reactor)
    return reactor
