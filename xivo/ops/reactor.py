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

In the combined process (``serve_urgent_first``, called by plugin ``xivo``), descriptors
whose object says ``urgent = True`` (FastAGI's port and connections: a call waits on
them) are watched by an epoll of their own, itself watched by the main one: they are
served first in every pass and again after every ``URGENT_EVERY`` other events, so a
lookup's steps never queue behind a thousand ready CTI sockets.  In xivo-agid alone
nearly every descriptor is FastAGI's: there the second epoll would cost two
``epoll_ctl`` per call and one more ``epoll_wait`` per pass for nothing, and is not made.

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

import select
from typing import Any

from twisted.internet.epollreactor import EPollReactor
from twisted.internet.main import installReactor
from twisted.logger import Logger

__all__ = ["URGENT_EVERY", "DaemonReactor", "install"]

log = Logger()

URGENT_EVERY = 16
"""Other events dispatched in a pass between two looks at the urgent descriptors."""


class _Pollers:
    """What Twisted takes for its epoll: registrations of the descriptors in ``urgent_fds``
    go to ``urgent``, the others to ``main``, which also watches ``urgent`` itself."""

    def __init__(self, main: Any, urgent: Any, urgent_fds: set[int]) -> None:
        self.main, self.urgent, self.urgent_fds = main, urgent, urgent_fds
        main.register(urgent.fileno(), select.EPOLLIN)

    def _of(self, fd: int) -> Any:
        return self.urgent if fd in self.urgent_fds else self.main

    def register(self, fd: int, flags: int) -> None:
        self._of(fd).register(fd, flags)

    def modify(self, fd: int, flags: int) -> None:
        self._of(fd).modify(fd, flags)

    def unregister(self, fd: int) -> None:
        self._of(fd).unregister(fd)
        self.urgent_fds.discard(fd)

    def poll(self, timeout: float, maxevents: int) -> list[tuple[int, int]]:
        return self.main.poll(timeout, maxevents)

    def fileno(self) -> int:
        return self.main.fileno()


class DaemonReactor(EPollReactor):
    """``EPollReactor`` dispatching each ready descriptor without a log context, at most
    ``events_per_pass`` of them a pass (urgent descriptors first if asked)."""

    events_per_pass = 128

    def __init__(self) -> None:
        self._urgent_fds: set[int] = set()
        self._urgent: Any = None
        super().__init__()  # adds its waker: the attributes above must exist

    def serve_urgent_first(self) -> None:
        """From now on, serve the descriptors marked ``urgent`` ahead of the others (call
        it before adding any)."""
        if self._urgent is None:
            self._urgent = select.epoll(64)
            self._poller = _Pollers(self._poller, self._urgent, self._urgent_fds)

    def addReader(self, reader: Any) -> None:
        self._note_urgent(reader)
        super().addReader(reader)

    def addWriter(self, writer: Any) -> None:
        self._note_urgent(writer)
        super().addWriter(writer)

    def _note_urgent(self, selectable: Any) -> None:
        if self._urgent is not None and getattr(selectable, "urgent", False):
            self._urgent_fds.add(selectable.fileno())

    def doPoll(self, timeout: float | None) -> None:
        limit = min(len(self._selectables), self.events_per_pass)
        try:
            ready = self._poller.poll(-1 if timeout is None else timeout, limit)
        except InterruptedError:
            return
        urgent = self._urgent
        if urgent is None:
            self._dispatch(ready)
            return
        if self._urgent_fds:
            self._dispatch(urgent.poll(0, 64))
        skip = urgent.fileno()
        for n, (fd, event) in enumerate(ready, 1):
            if fd != skip:  # the urgent epoll's own readiness: served above
                self._dispatch(((fd, event),))
            if n % URGENT_EVERY == 0 and self._urgent_fds:
                self._dispatch(urgent.poll(0, 64))

    doIteration = doPoll

    def _dispatch(self, ready: Any) -> None:
        selectables = self._selectables
        for fd, event in ready:
            selectable = selectables.get(fd)
            if selectable is None:  # removed by an earlier event of this pass
                continue
            try:
                self._doReadOrWrite(selectable, fd, event)
            except Exception:
                log.failure("dispatching an event of {prefix}", prefix=_prefix(selectable))


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
