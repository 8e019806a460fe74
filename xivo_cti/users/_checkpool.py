"""The thread pool of password checks: its own threads, at a lower CPU priority.

Kept apart from the reactor's shared pool (the users loader and others use that one), so a
login storm never delays them; its threads run ``NICENESS`` steps nicer than the process,
so the reactor (FastAGI, pushes) gets the CPU first when both want it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet import threads
from twisted.internet.defer import Deferred
from twisted.python.threadpool import ThreadPool

__all__ = ["NICENESS", "CheckPool", "default_size"]

NICENESS = 10


def default_size() -> int:
    """One check thread per core the process may run on (its CPU affinity, which
    ``CPUAffinity=`` or ``taskset`` may narrow below the machine's cores)."""
    return len(os.sched_getaffinity(0)) or 1


class CheckPool(Service):
    """``size`` threads while running; ``run`` queues work for them."""

    def __init__(self, reactor: Any, size: int) -> None:
        self._reactor = reactor
        self.size = size
        self._pool = ThreadPool(minthreads=0, maxthreads=size, name="cti-password-checks")
        self._lowered = threading.local()

    def startService(self) -> None:
        super().startService()
        self._pool.start()

    def stopService(self) -> None:
        """Stop the threads (each finishes its current check first)."""
        super().stopService()
        self._pool.stop()

    def run(self, fn: Callable[..., Any], *args: Any) -> Deferred:
        """``fn(*args)`` in one of the pool's threads, its result back in the reactor."""
        return threads.deferToThreadPool(self._reactor, self._pool, self._nicer, fn, *args)

    def _nicer(self, fn: Callable[..., Any], *args: Any) -> Any:
        if not getattr(self._lowered, "done", False):
            self._lowered.done = True
            lower_thread_priority(NICENESS)
        return fn(*args)


def lower_thread_priority(steps: int) -> None:
    """Make the calling thread ``steps`` nicer (Linux: niceness is per thread)."""
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + steps))
    except OSError:
        pass
