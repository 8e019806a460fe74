"""Tests of the password checks' own thread pool (real threads on the test reactor)."""

from __future__ import annotations

import os
import threading

import pytest_twisted
from twisted.internet import defer

from xivo_cti.users._checkpool import NICENESS, CheckPool, default_size


def where() -> tuple[str, int, int]:
    """The calling thread's name, native id and niceness."""
    tid = threading.get_native_id()
    return threading.current_thread().name, tid, os.getpriority(os.PRIO_PROCESS, tid)


@pytest_twisted.ensureDeferred
async def test_runs_in_own_nicer_threads() -> None:
    """Work runs in the pool's own threads (not the reactor's shared pool), at a lower
    CPU priority than the process, and its result comes back as a Deferred."""
    from twisted.internet import reactor

    pool = CheckPool(reactor, 2)
    pool.startService()
    try:
        results = await defer.gatherResults([pool.run(where) for _ in range(6)])
    finally:
        pool.stopService()
    process_nice = os.getpriority(os.PRIO_PROCESS, 0)
    shared = {t.name for t in reactor.getThreadPool().threads}
    for name, _tid, nice in results:
        assert name.startswith("PoolThread-cti-password-checks") and name not in shared
        assert nice == min(19, process_nice + NICENESS)
    assert len({tid for _name, tid, _nice in results}) <= 2
    assert threading.get_native_id() not in {tid for _name, tid, _nice in results}


def test_default_size_is_the_cores_it_may_use(monkeypatch) -> None:
    """By default one check thread per core of the process's CPU affinity: a daemon
    pinned to one core of two gets one thread."""
    assert default_size() == len(os.sched_getaffinity(0))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {1})
    assert default_size() == 1
