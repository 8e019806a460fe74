"""Tests of testing.services.chroots' locks (flocks between sessions and benchmarks)."""

import fcntl
import os
import threading

import pytest

from testing.services.chroots import exclusive_all


def try_lock(path):
    """An fd holding ``path``'s flock, or None if someone else holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def test_all_locks_are_held_together_and_released(tmp_path):
    paths = [tmp_path / "bench.lock", tmp_path / "rig.lock"]
    with exclusive_all(paths, timeout=5):
        assert [try_lock(p) for p in paths] == [None, None]
    fds = [try_lock(p) for p in paths]
    assert None not in fds
    for fd in fds:
        os.close(fd)


@pytest.mark.parametrize("busy_name", ["rig.lock", "bench.lock"])
def test_while_one_lock_is_busy_the_other_stays_free(tmp_path, busy_name):
    """While one lock (the rig's, or the benchmark lock, the first taken) is held by
    someone else, the waiter holds neither, across several of its attempts; once it is
    released, both are taken."""
    rig, bench = tmp_path / "rig.lock", tmp_path / "bench.lock"
    busy_path = tmp_path / busy_name
    other = bench if busy_path == rig else rig
    busy = try_lock(busy_path)
    got = threading.Event()
    release = threading.Event()

    def wait_for_both():
        with exclusive_all([bench, rig], timeout=10):
            got.set()
            release.wait(10)

    waiter = threading.Thread(target=wait_for_both)
    waiter.start()
    try:
        for _ in range(4):
            assert not got.wait(0.3)
            free = try_lock(other)
            assert free is not None
            os.close(free)
        os.close(busy)
        assert got.wait(5)
        assert try_lock(rig) is None and try_lock(bench) is None
    finally:
        release.set()
        waiter.join(10)


def test_times_out_holding_nothing(tmp_path):
    rig, bench = tmp_path / "rig.lock", tmp_path / "bench.lock"
    busy = try_lock(rig)
    try:
        with pytest.raises(TimeoutError, match="held by another session"):
            with exclusive_all([bench, rig], timeout=0.6):
                pass
        free = try_lock(bench)
        assert free is not None
        os.close(free)
    finally:
        os.close(busy)
