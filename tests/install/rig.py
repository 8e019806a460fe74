"""scripts/install run into a fresh Debian 12 root, and the units it installs run there.

``Rig`` copies this checkout into the root (as a release is unpacked) and runs the
installer inside it with a clean environment, its pip reading a wheelhouse kept with the
shared pip cache (pip's HTTP cache stores nothing behind this machine's proxy). It starts
a unit's ``ExecStart`` as systemd would: as the unit's ``User=``/``Group=``, with its
``UMask=``, its ``StateDirectory=`` made for that user, a bare environment and ``/`` as
working directory. The root has no running systemd; ``record_systemctl`` makes the
installer see one whose ``systemctl`` only records its calls and reports the units the
test names as running, so that what an installer run reloads and restarts can be checked.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from testing.daemons import Process
from testing.services.bookworm import PIP_CACHE
from testing.services.chroots import run

__all__ = ["SRC", "Rig"]

CHECKOUT = Path(__file__).resolve().parents[2]
SRC = "/usr/src/xivo-cti"
VENV = "/opt/xivo-cti/venv"
IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.pyc", ".*_cache", ".hypothesis", "*.egg-info",
    "build", "dist", "dropin.cache", "_trial_temp",
)  # fmt: skip
HOST_CAS = "/etc/ssl/certs/ca-certificates.crt"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy")
WHEELHOUSE = f"{PIP_CACHE}/wheelhouse"
LOCKS = ("requirements/build.txt", "requirements/lock.txt")
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SYSTEMCTL = """#!/bin/sh
# Test double for systemctl: records each call, the venv linked and how many venvs exist.
venvs=$(ls /opt/xivo-cti/venvs 2>/dev/null | wc -l)
echo "$* [venv=$(readlink /opt/xivo-cti/venv)] [venvs=$venvs]" >> /run/systemctl.calls
if [ "$1" = is-active ]; then
    [ "$2" = --quiet ] && shift
    grep -qx "$2" /run/systemctl.active
fi
"""


@dataclass
class Rig:
    """A Debian 12 root holding a copy of this checkout in ``SRC``."""

    root: Path
    first_run: str = ""
    """What the first installer run printed."""

    def path(self, absolute: str) -> Path:
        """The host path of ``absolute``, a path inside the root."""
        return self.root / absolute.lstrip("/")

    def copy_checkout(self) -> None:
        shutil.copytree(CHECKOUT, self.path(SRC), ignore=IGNORED, dirs_exist_ok=True)

    def fill_wheelhouse(self) -> None:
        """Download what the locks name (only what is missing) into the shared pip cache's
        wheelhouse, from which the installer's pip then installs without the network."""
        locks = [arg for name in LOCKS for arg in ("-r", str(CHECKOUT / name))]
        download = [sys.executable, "-m", "pip", "download", "-q", "--no-deps"]
        result = run([*download, "--dest", str(self.path(WHEELHOUSE)), *locks])
        assert result.returncode == 0, f"pip download failed:\n{result.stderr}"

    def chroot(self, *args: str, stdin: str | None = None, timeout: float = 600) -> str:
        """``run_in`` as root, which must succeed; its output."""
        result = self.run_in(*args, stdin=stdin, timeout=timeout)
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def run_in(
        self, *args: str, user: str = "root", stdin: str | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess:
        """Run ``args`` as ``user`` in the root with a clean environment, pip taking
        packages from the wheelhouse (the host's proxy and CAs for anything else)."""
        shutil.copyfile(os.environ.get("PIP_CERT", HOST_CAS), self.path("/run/host-cas.crt"))
        env = ["env", "-i", f"PATH={PATH}", "HOME=/root", "LANG=C.UTF-8"]
        env += [f"PIP_CACHE_DIR={PIP_CACHE}", "PIP_CERT=/run/host-cas.crt"]
        env += [f"PIP_FIND_LINKS={WHEELHOUSE}", "PIP_NO_INDEX=1"]
        env += [f"{k}={v}" for k, v in os.environ.items() if k.lower() in PROXY_VARIABLES]
        command = ["chroot", f"--userspec={user}", str(self.root), *env, *args]
        return run(command, timeout=timeout, stdin=stdin)

    def install(self, *args: str) -> str:
        """Run ``scripts/install`` from the copy; what it printed."""
        return self.chroot(f"{SRC}/scripts/install", *args)

    def edit(self, path: str, changes: dict[str, str]) -> None:
        """Replace each text of ``changes`` (found once) in the root's file ``path``."""
        file = self.path(path)
        text = file.read_text()
        for old, new in changes.items():
            assert text.count(old) == 1, (path, old)
            text = text.replace(old, new)
        file.write_text(text)

    def add_cti_user(self, users_file: str, login: str, password: str) -> None:
        """Add a supervisor to an installed (empty) users file, the password hashed by the
        installed xivo-ctid-passwd."""
        hashed = self.chroot(f"{VENV}/bin/xivo-ctid-passwd", "--stdin", stdin=password)
        entry = (
            f"- login: {login}\n  password_hash: {hashed.strip()!r}\n  line: PJSIP/{login}\n"
            '  extension: "2001"\n  profile: supervisor\n'
        )
        self.edit(users_file, {"\n[]\n": "\n" + entry})

    def started_from_venv(self, output: str) -> bool:
        """Whether twistd's ``output`` says it started on the current venv's python."""
        venv = self.path(VENV).resolve().relative_to(self.root)
        return f"(/{venv}/bin/python3 3.11." in output

    def unit(self, name: str) -> dict[str, str]:
        """The ``[Service]`` settings of an installed unit (one value per key)."""
        text = self.path(f"/etc/systemd/system/{name}.service").read_text()
        section = text.split("[Service]", 1)[1].split("\n[", 1)[0]
        pairs = (line.split("=", 1) for line in section.splitlines() if "=" in line)
        return {key: value for key, value in pairs if not key.startswith("#")}

    def ids(self, user: str) -> tuple[int, int]:
        """The uid and gid of ``user`` in the root's /etc/passwd."""
        for line in self.path("/etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3])
        raise KeyError(user)

    def start(self, name: str, log_dir: Path) -> Process:
        """Run unit ``name``'s ExecStart in the root as systemd would run it."""
        unit = self.unit(name)
        user, group = unit["User"], unit["Group"]
        if "StateDirectory" in unit:
            state = self.path(f"/var/lib/{unit['StateDirectory']}")
            state.mkdir(exist_ok=True)
            state.chmod(int(unit.get("StateDirectoryMode", "0755"), 8))
            uid, gid = self.ids(user)
            shutil.chown(state, uid, gid)
        env = ["env", "-i", f"PATH={PATH}", "HOME=/nonexistent", f"USER={user}", "LANG=C.UTF-8"]
        argv = shlex.split(unit["ExecStart"])
        command = ["chroot", f"--userspec={user}:{group}", str(self.root), *env, *argv]
        umask = int(unit.get("UMask", "0022"), 8)
        return Process(name, command, log_dir / f"{name}.log", umask=umask)

    def record_systemctl(self, running: set[str]) -> None:
        """From now on the installer sees a running systemd; ``running`` units are active."""
        self.path("/run/systemd/system").mkdir(parents=True, exist_ok=True)
        self.path("/run/systemctl.active").write_text("".join(f"{u}\n" for u in running))
        self.path("/run/systemctl.calls").write_text("")
        systemctl = self.path("/usr/local/sbin/systemctl")
        systemctl.write_text(SYSTEMCTL)
        systemctl.chmod(0o755)

    def systemctl_calls(self) -> list[str]:
        """The systemctl commands run since ``record_systemctl``."""
        return self.path("/run/systemctl.calls").read_text().splitlines()

    def snapshot(self, *places: str) -> dict[str, tuple[int, str]]:
        """Each of ``places`` (paths inside the root) and everything under it: mtime and
        digest of the content (of the target for a link)."""
        files = {}
        for place in places:
            for path in [self.path(place), *sorted(self.path(place).rglob("*"))]:
                if path.is_symlink():
                    content = str(path.readlink()).encode()
                elif path.is_file():
                    content = path.read_bytes()
                else:
                    content = b"dir"
                digest = hashlib.sha256(content).hexdigest()
                files[str(path)] = (path.lstat().st_mtime_ns, digest)
        return files
