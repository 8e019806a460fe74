"""Test service: a real Asterisk 22 in a Debian sid chroot, reached over loopback AMI.

The session fixture ``asterisk`` builds the chroot on first use (cached in
``$XIVO_TEST_ASTERISK_ROOT``, default /var/cache/xivo-test/asterisk-root), holds an exclusive
lock so that test sessions running at the same time take turns, writes the configuration
templates of testing/asterisk/ (AMI on a free loopback port, per-session secret), starts
Asterisk, and stops it at the end of the session.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.services.chroots import (
    chroot_step,
    ensure_debootstrap,
    exclusive,
    is_mounted,
    run,
    unavailable,
    unmount,
)
from testing.services.debian_mirror import debootstrap, find_mirror
from testing.services.postgres import free_port

ROOT = Path(os.environ.get("XIVO_TEST_ASTERISK_ROOT", "/var/cache/xivo-test/asterisk-root"))
LOCK_PATH = ROOT.parent / "asterisk.lock"
LOCK_TIMEOUT = 1800.0
TEMPLATES = Path(__file__).resolve().parent.parent / "asterisk"
PACKAGES = "asterisk asterisk-modules procps"


def _unavailable(reason: str) -> None:
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


def _chroot_pids(root: Path) -> list[int]:
    """Ids of the Asterisk processes running inside ``root``."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "root") == str(root) and (
                (entry / "comm").read_text().strip() == "asterisk"
            ):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _wait_gone(root: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _chroot_pids(root):
            return True
        time.sleep(0.1)
    return False


def stop_leftovers(root: Path) -> None:
    """Stop any Asterisk left running in the chroot (e.g. by a crashed test run)."""
    if not _chroot_pids(root):
        return
    run(["chroot", str(root), "asterisk", "-rx", "core stop now"], timeout=20)
    if _wait_gone(root, 10):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _chroot_pids(root):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if _wait_gone(root, 5):
            return
    raise RuntimeError(f"cannot stop the Asterisk left running in {root}")


@dataclass
class AsteriskServer:
    """A running test Asterisk: AMI address and credentials, CLI and reload helpers."""

    root: Path
    ami_host: str
    ami_port: int
    ami_username: str
    ami_secret: str

    @property
    def etc(self) -> Path:
        """The configuration folder inside the chroot."""
        return self.root / "etc" / "asterisk"

    def cli(self, command: str, timeout: float = 30) -> str:
        """Run one CLI command (``asterisk -rx``) and return its output."""
        result = run(["chroot", str(self.root), "asterisk", "-rx", command], timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"asterisk -rx {command!r} failed: {result.stderr}")
        return result.stdout

    def write_config(self) -> None:
        """Write every template of testing/asterisk/ into the chroot."""
        words = {
            "@AMI_PORT@": str(self.ami_port),
            "@AMI_USERNAME@": self.ami_username,
            "@AMI_SECRET@": self.ami_secret,
        }
        for template in sorted(TEMPLATES.glob("*.conf")):
            text = template.read_text()
            for word, value in words.items():
                text = text.replace(word, value)
            (self.etc / template.name).write_text(text)

    def reload(self) -> None:
        """Rewrite the configuration and reload dialplan, AMI users and queues."""
        self.write_config()
        self.cli("dialplan reload")
        self.cli("manager reload")
        self.cli("queue reload all")

    def start(self, timeout: float = 120) -> None:
        """Start Asterisk (it daemonizes) and wait until it is fully booted."""
        (self.root / "var/lib/asterisk/astdb.sqlite3").unlink(missing_ok=True)
        (self.root / "run/asterisk").mkdir(parents=True, exist_ok=True)
        result = run(["chroot", str(self.root), "asterisk", "-U", "root", "-G", "root"], 60)
        if result.returncode != 0:
            raise RuntimeError(f"asterisk did not start: {result.stderr}")
        deadline = time.monotonic() + timeout
        while True:
            booted = run(["chroot", str(self.root), "asterisk", "-rx", "core waitfullybooted"], 60)
            if booted.returncode == 0 and "fully booted" in booted.stdout.lower():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"asterisk not fully booted: {booted.stdout}{booted.stderr}")
            time.sleep(0.2)
        self._wait_ami(deadline)

    def _wait_ami(self, deadline: float) -> None:
        while True:
            try:
                with socket.create_connection((self.ami_host, self.ami_port), timeout=2):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def pids(self) -> list[int]:
        """Ids of the running Asterisk processes."""
        return _chroot_pids(self.root)

    def stop(self) -> None:
        """Stop Asterisk at once (``core stop now``), killing it if it does not go."""
        stop_leftovers(self.root)


def ensure_chroot(root: Path) -> None:
    """Build the chroot unless ``root`` already holds one (a cached chroot is used as is)."""
    if (root / "usr/sbin/asterisk").exists():
        return
    try:
        build_chroot(root)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        _unavailable(f"cannot build the chroot {root}: {error}")


@contextlib.contextmanager
def running_asterisk() -> Iterator[AsteriskServer]:
    """Lock, build if needed, configure and start Asterisk; stop and unlock on exit."""
    if os.geteuid() != 0:
        _unavailable("building and running the Asterisk chroot needs root")
    if shutil.which("chroot") is None:
        _unavailable("no chroot command")
    with exclusive(LOCK_PATH, LOCK_TIMEOUT):
        mounted_proc = False
        try:
            ensure_chroot(ROOT)
            stop_leftovers(ROOT)
            proc = ROOT / "proc"
            if not is_mounted(proc):
                run(["mount", "-t", "proc", "proc", str(proc)], timeout=30)
                mounted_proc = True
            server = AsteriskServer(
                root=ROOT,
                ami_host="127.0.0.1",
                ami_port=free_port(),
                ami_username="xivo_test",
                ami_secret=secrets.token_hex(12),
            )
            server.write_config()
            server.start()
            yield server
        finally:
            try:
                stop_leftovers(ROOT)
            finally:
                if mounted_proc:
                    unmount(ROOT / "proc")


@pytest.fixture(scope="session")
def asterisk() -> Iterator[AsteriskServer]:
    """A running Asterisk 22 for this test session (exclusive across sessions)."""
    with running_asterisk() as server:
        yield server
