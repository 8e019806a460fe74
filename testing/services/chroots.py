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
    with exclusive_all([lock_path], timeout):
        yield


@contextlib.contextmanager
def exclusive_all(lock_paths: Sequence[Path], timeout: float) -> Iterator[None]:
    """Hold exclusive flocks on all of ``lock_paths``, taken together: while one is busy
    none is held, so that this wait keeps no one else waiting; TimeoutError after
    ``timeout`` seconds."""
    fds = []
    try:
        for path in lock_paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            fds.append(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
        deadline = time.monotonic() + timeout
        while not _lock_all(fds):
            if time.monotonic() > deadline:
                held = ", ".join(map(str, lock_paths))
                raise TimeoutError(f"{held} held by another session")
            time.sleep(0.5)
        yield
    finally:
        for fd in fds:
            os.close(fd)


def _lock_all(fds: list[int]) -> bool:
    """Lock every one of ``fds`` without waiting, or none (False)."""
    for n, fd in enumerate(fds):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            for taken in fds[:n]:
                fcntl.flock(taken, fcntl.LOCK_UN)
            return False
    return True


def unavailable(service: str, reason: str) -> None:
    """Skip outside CI; under CI=true a missing test service is a failure."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{service} unavailable under CI: {reason}", pytrace=False)
    pytest.skip(f"{service} unavailable: {reason}")
