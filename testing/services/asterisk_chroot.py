"""The Asterisk rig's chroot: Debian minbase with Asterisk 22 from sid, built once and cached
(``ensure_chroot``); see testing/services/asterisk.py for the servers run in it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from testing.services.chroots import chroot_step, ensure_debootstrap, unavailable, unmount
from testing.services.debian_mirror import debootstrap, find_mirror

__all__ = ["build_chroot", "ensure_chroot", "unavailable_asterisk"]

PACKAGES = "asterisk asterisk-modules procps"


def unavailable_asterisk(reason: str) -> None:
    """Skip (fail under CI) a test that needs the real Asterisk, with ``reason``."""
    unavailable("real Asterisk", reason)


def build_chroot(root: Path) -> None:
    """Build the chroot atomically: Debian minbase, then Asterisk from sid.

    The mirror is the host's (see ``debian_mirror``), asked only when a build is needed.
    """
    mirror = find_mirror()
    ensure_debootstrap()
    partial = root.with_name(root.name + ".partial")
    unmount(partial / "proc")
    shutil.rmtree(partial, ignore_errors=True)
    partial.parent.mkdir(parents=True, exist_ok=True)
    debootstrap(mirror, ["--variant=minbase"], "trixie", partial)
    (partial / "etc/apt/sources.list.d/sid.list").write_text(f"deb {mirror.url} sid main\n")
    chroot_step(
        partial,
        "export DEBIAN_FRONTEND=noninteractive;"
        " apt-get -o Acquire::Check-Valid-Until=false update -q &&"
        f" apt-get install -y -q --no-install-recommends {PACKAGES}",
        env=mirror.environ(os.environ),
    )
    chroot_step(
        partial,
        "chown -R root:root /etc/asterisk /var/lib/asterisk /var/log/asterisk"
        " /var/spool/asterisk /usr/share/asterisk; mkdir -p /var/run/asterisk",
    )
    partial.rename(root)


def ensure_chroot(root: Path) -> None:
    """Build the chroot unless ``root`` already holds one (a cached chroot is used as is)."""
    if (root / "usr/sbin/asterisk").exists():
        return
    try:
        build_chroot(root)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        unavailable_asterisk(f"cannot build the chroot {root}: {error}")
