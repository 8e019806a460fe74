"""Helpers for the test services built as Debian chroots: commands, mounts, a build lock."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

__all__ = [
    "chroot_step",
    "ensure_debootstrap",
    "exclusive",
    "exclusive_all",
    "is_mounted",
    "run",
    "unavailable",
    "unmount",
]


def run(
    args: list[str],
    timeout: float = 600,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess:
    """Run ``args`` (``stdin`` as its input), capturing text output; never raises on a
    non-zero status."""
    return subprocess.run(
        args, input=stdin, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def chroot_step(
    root: Path, script: str, timeout: float = 900, env: Mapping[str, str] | None = None
) -> str:
    """Run ``script`` with bash inside ``root``; its output, or RuntimeError with it."""
    result = run(["chroot", str(root), "bash", "-c", script], timeout=timeout, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"chroot step failed: {script}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def ensure_debootstrap() -> None:
    """Install debootstrap on the host if it is missing (RuntimeError if that fails)."""
    if shutil.which("debootstrap") is not None:
        return
    result = run(["apt-get", "install", "-y", "-q", "debootstrap"])
    if result.returncode != 0:
        run(["apt-get", "update", "-q"])
        result = run(["apt-get", "install", "-y", "-q", "debootstrap"])
    if result.returncode != 0:
        raise RuntimeError(f"cannot install debootstrap: {result.stderr}")


def is_mounted(path: Path) -> bool:
    """Whether something is mounted on ``path``."""
    return run(["mountpoint", "-q", str(path)], timeout=30).returncode == 0


def unmount(path: Path) -> None:
    """Unmount ``path`` (lazily) if something is mounted there."""
    if path.exists() and is_mounted(path):
        run(["umount", "-l", str(path)], timeout=30)


@contextlib.contextmanager
def exclusive(lock_path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on ``lock_path``, waiting up to ``timeout`` seconds for it
    (test sessions running at the same time take turns)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _lock_all([fd]):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{lock_path} held by another test session")
            time.sleep(0.5)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive_all(lock_paths: Sequence[Path], timeout: float) -> Iterator[None]:
    """Hold exclusive flocks on all of ``lock_paths``, none held while waiting for another.

    The first is awaited in turn with its other waiters (a blocking flock), once the
    others look free; they are then tried at once, and if one was taken meanwhile the
    first is let go and the wait starts again.  TimeoutError when the others stay busy
    for ``timeout`` seconds (the turn for the first is not bounded).
    """
    fds = []
    try:
        for path in lock_paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
        first, others = fds[0], fds[1:]
        deadline = time.monotonic() + timeout
        while True:
            while not _lock_all(others):
                if time.monotonic() > deadline:
                    held = ", ".join(map(str, lock_paths[1:]))
                    raise TimeoutError(f"{held} held by another session")
                time.sleep(0.5)
            _unlock(others)  # free: now wait for the first in turn
            fcntl.flock(first, fcntl.LOCK_EX)
            if _lock_all(others):
                break
            _unlock([first])
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _lock_all(fds: Sequence[int]) -> bool:
    """Lock every one of ``fds`` without waiting, or none (False)."""
    for n, fd in enumerate(fds):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _unlock(fds[:n])
            return False
    return True


def _unlock(fds: Sequence[int]) -> None:
    for fd in fds:
        fcntl.flock(fd, fcntl.LOCK_UN)


def unavailable(service: str, reason: str) -> None:
    """Skip outside CI; under CI=true a missing test service is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{service} unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"{service} unavailable: {reason}")
