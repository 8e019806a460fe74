"""systemd booted as PID 1 in a Debian root, as a container: the installed units run under
the real systemd of Debian 12 (252), not a stand-in.

``Booted(root)`` runs ``/lib/systemd/systemd`` in new PID, mount, UTS and IPC namespaces
(the host's network: the units' ports are reachable from the test) with the root's own
``/proc``, ``/sys``, ``/run`` and ``/tmp``, in a cgroup of its own on a cgroup2 hierarchy
seen through a cgroup namespace (systemd mounts it at ``/sys/fs/cgroup``; this host has
its controllers on cgroup v1, so the unified hierarchy has none: no resource control,
which the units do not use).  ``systemctl``/``journalctl`` run in its namespaces;
``stop`` powers it off (SIGRTMIN+4) and removes its cgroup.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from testing.services.chroots import run, unavailable

__all__ = ["Booted"]

PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
BOOT = """set -e
mount --make-rprivate /
cgroups=$(mktemp -d)
mount -t cgroup2 none "$cgroups"
mkdir "$cgroups/$2"
echo $$ > "$cgroups/$2/cgroup.procs"
umount "$cgroups"
rmdir "$cgroups"
mount -t proc proc "$1/proc"
mount -t sysfs -o ro sysfs "$1/sys"
mount --rbind /dev "$1/dev"
mount -t tmpfs -o mode=755 tmpfs "$1/run"
mount -t tmpfs -o mode=1777 tmpfs "$1/tmp"
exec unshare --cgroup chroot "$1" /usr/bin/env -i container=xivo-test /lib/systemd/systemd
"""
REMOVE_CGROUP = """cgroups=$(mktemp -d)
mount -t cgroup2 none "$cgroups"
find "$cgroups/$1" -depth -type d -exec rmdir {} +
umount "$cgroups"
rmdir "$cgroups"
"""


class Booted:
    """systemd running as PID 1 over ``root`` until ``stop``."""

    def __init__(self, root: Path, log: Path, timeout: float = 60) -> None:
        self.cgroup = f"xivo-test-systemd-{os.getpid()}-{time.monotonic_ns()}"
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                ["unshare", "--mount", "--pid", "--fork", "--uts", "--ipc",
                 "sh", "-c", BOOT, "boot", str(root), self.cgroup],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
        self.log = log
        deadline = time.monotonic() + timeout
        state = ""
        while state not in ("running", "degraded"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                unavailable("systemd as PID 1", f"{state or 'did not start'}: {log.read_text()}")
            time.sleep(0.2)
            state = self.systemctl("is-system-running").stdout.strip()

    @property
    def pid(self) -> int:
        """systemd's pid on the host (the child of ``unshare``), 0 until it exists."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return int(children.read_text().split()[0])
        except (OSError, IndexError):
            return 0

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """``args`` in systemd's namespaces and root, a bare environment."""
        enter = ["nsenter", "-t", str(self.pid), "-m", "-p", "-u", "-i", "-r", "-w"]
        return run([*enter, "/usr/bin/env", "-i", f"PATH={PATH}", *args], timeout=timeout)

    def systemctl(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("systemctl", "--no-pager", *args) if self.pid else _failed()

    def stop(self, timeout: float = 30) -> None:
        """Power off (the container's PID 1 exits), SIGKILL past ``timeout``."""
        if self.proc.poll() is None and self.pid:
            os.kill(self.pid, signal.SIGRTMIN + 4)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            if self.pid:
                os.kill(self.pid, signal.SIGKILL)  # ends every process of the namespace
            self.proc.wait()
        run(["unshare", "--mount", "sh", "-c", REMOVE_CGROUP, "remove", self.cgroup])


def _failed() -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], 1, "", "systemd not started")
