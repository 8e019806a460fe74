"""Test service: real Asterisk 22 servers in a Debian sid chroot, reached over loopback AMI.

The session fixture ``asterisk`` builds the chroot on first use (cached in
``$XIVO_TEST_ASTERISK_ROOT``, default /var/cache/xivo-test/asterisk-root), holds an exclusive
lock so that test sessions running at the same time take turns, writes the configuration
templates of testing/asterisk/ (AMI on a free loopback port, per-session secret), starts
Asterisk, and stops it at the end of the session.  ``asterisk_b`` is a second server in the
same chroot (several ipbx): its own configuration folder (``/etc/asterisk-b``), AMI port,
control socket, AstDB, spool and logs, and ``systemname`` b (its uniqueids start ``b-``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testing.services.asterisk_chroot import ensure_chroot, unavailable_asterisk
from testing.services.chroots import exclusive, is_mounted, run, unmount
from testing.services.postgres import free_port

ROOT = Path(os.environ.get("XIVO_TEST_ASTERISK_ROOT", "/var/cache/xivo-test/asterisk-root"))
LOCK_PATH = ROOT.parent / "asterisk.lock"
LOCK_TIMEOUT = 1800.0
TEMPLATES = Path(__file__).resolve().parent.parent / "asterisk"
#: The folders of a named server (``asterisk.conf`` ``[directories]``), under its own name.
OWN_DIRECTORIES = {
    "astrundir": "/var/run/asterisk",
    "astdbdir": "/var/lib/asterisk",
    "astspooldir": "/var/spool/asterisk",
    "astlogdir": "/var/log/asterisk",
}


def _chroot_pids(root: Path, marker: str = "") -> list[int]:
    """Ids of the Asterisk processes running inside ``root`` (with ``marker`` in their
    command line, if given)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (
                os.readlink(entry / "root") == str(root)
                and (entry / "comm").read_text().strip() == "asterisk"
                and marker.encode() in (entry / "cmdline").read_bytes()
            ):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _wait_gone(root: Path, seconds: float, marker: str = "") -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _chroot_pids(root, marker):
            return True
        time.sleep(0.1)
    return False


def _stop(root: Path, command: list[str], marker: str = "") -> None:
    """``core stop now`` by ``command`` (an ``asterisk`` command line), then signals."""
    if not _chroot_pids(root, marker):
        return
    run(["chroot", str(root), *command, "-rx", "core stop now"], timeout=20)
    if _wait_gone(root, 10, marker):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in _chroot_pids(root, marker):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if _wait_gone(root, 5, marker):
            return
    raise RuntimeError(f"cannot stop the Asterisk left running in {root}")


def stop_leftovers(root: Path) -> None:
    """Stop every Asterisk left running in the chroot (e.g. by a crashed test run)."""
    _stop(root, ["asterisk"])


@dataclass
class AsteriskServer:
    """A running test Asterisk: AMI address and credentials, CLI and reload helpers.

    ``name`` empty: the chroot's own configuration (``/etc/asterisk``); otherwise a server
    of its own beside it, configured in ``/etc/asterisk-NAME`` with ``systemname`` NAME.
    """

    root: Path
    ami_host: str
    ami_port: int
    ami_username: str
    ami_secret: str
    name: str = ""

    @property
    def etc(self) -> Path:
        """The configuration folder inside the chroot."""
        return self.root / "etc" / (f"asterisk-{self.name}" if self.name else "asterisk")

    @property
    def _command(self) -> list[str]:
        if not self.name:
            return ["asterisk"]
        return ["asterisk", "-C", f"/etc/asterisk-{self.name}/asterisk.conf"]

    def cli(self, command: str, timeout: float = 30) -> str:
        """Run one CLI command (``asterisk -rx``) and return its output."""
        result = run(["chroot", str(self.root), *self._command, "-rx", command], timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"asterisk -rx {command!r} failed: {result.stderr}")
        return result.stdout

    def write_config(self) -> None:
        """Write every template of testing/asterisk/ into the chroot (a named server's
        folder starts as a copy of the package's, with its own ``asterisk.conf``)."""
        if self.name:
            shutil.copytree(self.root / "etc/asterisk", self.etc, dirs_exist_ok=True)
            self._write_asterisk_conf()
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

    def _write_asterisk_conf(self) -> None:
        folders = {key: f"{path}-{self.name}" for key, path in OWN_DIRECTORIES.items()}
        for path in folders.values():
            (self.root / path.lstrip("/")).mkdir(parents=True, exist_ok=True)
        lines = ["[directories]", f"astetcdir => /etc/asterisk-{self.name}"]
        lines += [f"{key} => {path}" for key, path in folders.items()]
        lines += ["[options]", f"systemname = {self.name}", ""]
        (self.etc / "asterisk.conf").write_text("\n".join(lines))

    def reload(self) -> None:
        """Rewrite the configuration and reload dialplan, AMI users and queues."""
        self.write_config()
        self.cli("dialplan reload")
        self.cli("manager reload")
        self.cli("queue reload all")

    def start(self, timeout: float = 120) -> None:
        """Start Asterisk (it daemonizes) and wait until it is fully booted."""
        suffix = f"-{self.name}" if self.name else ""
        (self.root / f"var/lib/asterisk{suffix}/astdb.sqlite3").unlink(missing_ok=True)
        (self.root / f"run/asterisk{suffix}").mkdir(parents=True, exist_ok=True)
        result = run(["chroot", str(self.root), *self._command, "-U", "root", "-G", "root"], 60)
        if result.returncode != 0:
            raise RuntimeError(f"asterisk did not start: {result.stderr}")
        deadline = time.monotonic() + timeout
        while True:
            try:
                booted = self.cli("core waitfullybooted", 60)
            except RuntimeError as e:
                booted = str(e)
            if "fully booted" in booted.lower():
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"asterisk not fully booted: {booted}")
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
        """Ids of this server's Asterisk processes."""
        return _chroot_pids(self.root, self._marker)

    @property
    def _marker(self) -> str:
        return f"/etc/asterisk-{self.name}/" if self.name else ""

    def stop(self) -> None:
        """Stop Asterisk at once (``core stop now``), killing it if it does not go (a
        named server alone; the chroot's own, every server of the chroot)."""
        _stop(self.root, self._command, self._marker)


def _new_server(name: str = "") -> AsteriskServer:
    return AsteriskServer(
        root=ROOT,
        ami_host="127.0.0.1",
        ami_port=free_port(),
        ami_username="xivo_test",
        ami_secret=secrets.token_hex(12),
        name=name,
    )


@contextlib.contextmanager
def running_asterisk(*, locked: bool = False) -> Iterator[AsteriskServer]:
    """Lock, build if needed, configure and start Asterisk; stop and unlock on exit.

    ``locked``: the caller already holds ``LOCK_PATH``.
    """
    if os.geteuid() != 0:
        unavailable_asterisk("building and running the Asterisk chroot needs root")
    if shutil.which("chroot") is None:
        unavailable_asterisk("no chroot command")
    with contextlib.nullcontext() if locked else exclusive(LOCK_PATH, LOCK_TIMEOUT):
        mounted_proc = False
        try:
            ensure_chroot(ROOT)
            stop_leftovers(ROOT)
            proc = ROOT / "proc"
            if not is_mounted(proc):
                run(["mount", "-t", "proc", "proc", str(proc)], timeout=30)
                mounted_proc = True
            server = _new_server()
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


@pytest.fixture(scope="session")
def asterisk_b_server(asterisk: AsteriskServer) -> Iterator[AsteriskServer]:
    """The second Asterisk 22 (ipbx b) beside ``asterisk``, in its chroot and lock, for the
    session; use ``asterisk_b``."""
    server = _new_server("b")
    server.write_config()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def asterisk_b(asterisk_b_server: AsteriskServer) -> AsteriskServer:
    """A running second Asterisk 22 (ipbx b): started again for a module if a test that
    restarted the chroot's first server stopped it with every server of the chroot."""
    if not asterisk_b_server.pids():
        asterisk_b_server.start()
    return asterisk_b_server
