"""A test's private PostgreSQL frozen (SIGSTOP on every process of it: a paused VM, a
network that swallows packets), and the longest stall of the reactor meanwhile."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator

from twisted.internet import task

from benchmarks.asterisk_calls.cpu import children, postmaster_pid
from testing.services.postgres import PostgresCluster

__all__ = ["ReactorStalls", "frozen"]


def _signal_all(pids: list[int], number: int) -> None:
    for pid in pids:  # a closed connection's backend may be exiting
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, number)


@contextlib.contextmanager
def frozen(cluster: PostgresCluster, wake_after: float = 6.0) -> Iterator[None]:
    """Freeze every process of ``cluster`` for the body; another process wakes them
    after ``wake_after`` seconds even if this one is held (libpq's cancel would hold it)."""
    pids = children(postmaster_pid(cluster.data))
    _signal_all(pids, signal.SIGSTOP)
    listed = " ".join(str(pid) for pid in pids)
    safety = subprocess.Popen(["sh", "-c", f"sleep {wake_after}; kill -CONT {listed} 2>/dev/null"])
    try:
        yield
    finally:
        safety.kill()
        safety.wait()
        _signal_all(pids, signal.SIGCONT)


class ReactorStalls:
    """Ticks every 10 ms on the running reactor; ``stop()`` gives the longest gap between
    two ticks (seconds): how long the reactor was held."""

    def __init__(self) -> None:
        self._gaps: list[float] = []
        self._last = time.monotonic()
        self._ticker = task.LoopingCall(self._tick)
        self._ticker.start(0.01)

    def _tick(self) -> None:
        now = time.monotonic()
        self._gaps.append(now - self._last)
        self._last = now

    def stop(self) -> float:
        """Stop ticking; the longest gap seen."""
        self._ticker.stop()
        return max(self._gaps, default=0.0)
