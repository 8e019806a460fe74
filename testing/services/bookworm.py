"""Test service: a fresh Debian 12 (bookworm) root, as the production installer finds one.

The base is Debian minbase with systemd and procps (as on a stock Debian 12), package
lists, and the .debs of python3 and python3-venv downloaded but not installed (the
installer installs them, without network). It is built on first use (about 2 minutes) and cached in
``$XIVO_TEST_BOOKWORM_ROOT`` (default /var/cache/xivo-test/bookworm-root) under a lock, so
that test sessions running at the same time take turns. ``fresh_root`` gives each use a
writable overlay of it, with a pip cache shared across runs at /var/cache/xivo-pip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from testing.services.chroots import (
    chroot_step,
    ensure_debootstrap,
    exclusive,
    run,
    unavailable,
    unmount,
)
from testing.services.debian_mirror import debootstrap, find_mirror

__all__ = ["PIP_CACHE", "fresh_root"]

ROOT = Path(os.environ.get("XIVO_TEST_BOOKWORM_ROOT", "/var/cache/xivo-test/bookworm-root"))
LOCK_PATH = ROOT.parent / "bookworm.lock"
LOCK_TIMEOUT = 1800.0
HOST_PIP_CACHE = ROOT.parent / "pip-cache"
PIP_CACHE = "/var/cache/xivo-pip"
"""Where the shared pip cache is mounted inside a fresh root."""
INSTALLED = "systemd procps"
DOWNLOADED = "python3 python3-venv ca-certificates"


def build_base(root: Path) -> None:
    """Build the base atomically (into ``<root>.partial``, renamed when complete), from the
    host's Debian mirror (see ``debian_mirror``)."""
    mirror = find_mirror()
    ensure_debootstrap()
    partial = root.with_name(root.name + ".partial")
    for mount in ("proc", "sys"):  # left by a debootstrap that was interrupted
        unmount(partial / mount)
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    options = ["--variant=minbase", f"--include={INSTALLED.replace(' ', ',')}"]
    debootstrap(mirror, options, "bookworm", partial)
    chroot_step(
        partial,
        "export DEBIAN_FRONTEND=noninteractive; apt-get update -q &&"
        f" apt-get install -y -q --download-only --no-install-recommends {DOWNLOADED}",
        env=mirror.environ(os.environ),
    )
    partial.rename(root)


def _ensure_base() -> None:
    if os.geteuid() != 0:
        unavailable("Debian 12 root", "building and entering a chroot needs root")
    with exclusive(LOCK_PATH, LOCK_TIMEOUT):
        if (ROOT / "usr/bin/systemctl").exists():
            return
        try:
            build_base(ROOT)
        except (RuntimeError, subprocess.TimeoutExpired) as error:
            unavailable("Debian 12 root", f"cannot build {ROOT}: {error}")


@contextlib.contextmanager
def fresh_root(workdir: Path) -> Iterator[Path]:
    """A writable Debian 12 root at ``workdir/root`` (an overlay of the cached base, its
    changes in ``workdir``), removed on exit."""
    _ensure_base()
    merged, upper, work = workdir / "root", workdir / "upper", workdir / "work"
    for folder in (merged, upper, work, HOST_PIP_CACHE):
        folder.mkdir(parents=True, exist_ok=True)
    layers = f"lowerdir={ROOT},upperdir={upper},workdir={work}"
    result = run(["mount", "-t", "overlay", "overlay", "-o", layers, str(merged)], timeout=30)
    if result.returncode != 0:
        unavailable("Debian 12 root", f"cannot mount an overlay: {result.stderr}")
    pip_cache = merged / PIP_CACHE.lstrip("/")
    try:
        pip_cache.mkdir(parents=True, exist_ok=True)
        run(["mount", "--bind", str(HOST_PIP_CACHE), str(pip_cache)], timeout=30)
        yield merged
    finally:
        unmount(pip_cache)
        unmount(merged)
        shutil.rmtree(workdir, ignore_errors=True)
