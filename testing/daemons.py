"""Helpers for the integration and end-to-end tests that run the real twistd plugins.

``Daemon`` is the one place that builds and runs the daemons' command line.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from testing.services.postgres import free_port
from testing.systemd import passing_fd
from testing.waiting import sleep

__all__ = [
    "BlockingCTIClient",
    "Daemon",
    "Process",
    "fastagi_request",
    "free_port",
    "health",
    "http_get",
    "listening",
    "twistd_env",
]

TWISTD = str(Path(sys.executable).with_name("twistd"))
REPO = str(Path(__file__).resolve().parents[1])
POLL = 0.1  # seconds between two looks at a starting or stopping daemon


def twistd_env() -> dict[str, str]:
    """The environment for twistd: the repository first on the path (its plugins)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": f"{REPO}:{path}" if path else REPO}


def listening(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A server in a subprocess, its stdout and stderr in ``log``.

    Blocking tests wait with ``wait_port``/``stop``, tests running the reactor with
    ``wait_port_async``/``stop_async``.
    """

    def __init__(self, name: str, args: list[str], log: Path, **popen: Any) -> None:
        self.name = name
        self.log = log
        with log.open("wb") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, **popen)

    def wait_port(self, port: int, timeout: float = 30.0) -> None:
        """Wait until ``port`` on loopback accepts connections (fails if the daemon died)."""
        for _ in self._until_listening(port, timeout):
            time.sleep(POLL)

    async def wait_port_async(self, port: int, timeout: float = 30.0) -> None:
        """``wait_port`` letting the reactor run meanwhile."""
        for _ in self._until_listening(port, timeout):
            await sleep(POLL)

    def _until_listening(self, port: int, timeout: float) -> Iterator[None]:
        """Yields until ``port`` accepts connections; fails, with the log, if the daemon
        exits or ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError(f"{self.name} exited {self.proc.returncode}:\n{self.output()}")
            if listening(port):
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} not listening on {port} after {timeout} s:\n{self.output()}"
                )
            yield

    def output(self) -> str:
        """The log so far (for assertion messages)."""
        return self.log.read_text(errors="replace")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, SIGKILL if still running after ``timeout``; returns the exit status."""
        for _ in self._stopping(timeout):
            time.sleep(POLL)
        return self.proc.returncode

    async def stop_async(self, timeout: float = 15.0) -> int:
        """``stop`` letting the reactor run meanwhile."""
        for _ in self._stopping(timeout):
            await sleep(POLL)
        return self.proc.returncode

    def _stopping(self, timeout: float) -> Iterator[None]:
        """SIGTERM, then yields while the daemon runs, until SIGKILL after ``timeout``."""
        if self.proc.poll() is None:
            self.proc.terminate()
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                self.proc.kill()
                self.proc.wait()
                return
            yield


class Daemon(Process):
    """``twistd --reactor=xivo -n --pidfile= <plugin> --config FILE`` in a subprocess.

    Started at once in ``directory``, on ``config_text`` written to ``<plugin>.yml`` there,
    with ``directory/state`` as its state directory (kept across a restart there), and
    ``environ`` added to its environment; ``passed_fd`` becomes its fd 3, as systemd
    passes a descriptor it kept for the service (``LISTEN_PID`` set to the daemon's);
    ``launcher`` runs instead of twistd (a benchmark's timed twistd).  As
    under the systemd units, twistd logs to its stdout: that and stderr (a bad
    configuration's message) go to ``<plugin>.log``.
    """

    def __init__(
        self,
        plugin: str,
        config_text: str,
        directory: Path,
        *,
        environ: Mapping[str, str] | None = None,
        passed_fd: int | None = None,
        launcher: Sequence[str] = (TWISTD,),
    ) -> None:
        self.plugin = plugin
        self.config = directory / f"{plugin}.yml"
        self.config.write_text(config_text)
        args = [*launcher, "--reactor=xivo", "-n", "--pidfile=", plugin]
        args += ["--config", str(self.config)]
        log = directory / f"{plugin}.log"
        env = {**twistd_env(), "STATE_DIRECTORY": str(directory / "state"), **(environ or {})}
        popen: dict[str, Any] = {}
        if passed_fd is not None:
            args, popen["pass_fds"] = passing_fd(args, passed_fd), (passed_fd,)
        super().__init__(plugin, args, log, cwd=directory, env=env, **popen)


def http_get(port: int, path: str) -> tuple[int, bytes]:
    """GET http://127.0.0.1:port/path: (status, body), error statuses included."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def health(port: int) -> tuple[int, dict]:
    """The /health status code and decoded report."""
    status, body = http_get(port, "/health")
    return status, json.loads(body)


def fastagi_request(port: int, script: str, **headers: str) -> list[str]:
    """Play Asterisk's side of ``AGI(agi://.../<script>)`` with ``agi_<key>`` ``headers``,
    answering each command as Asterisk does when it works (``200 result=0`` to an EXEC of
    MSet, ``200 result=1`` to the rest); the commands received, until the close.  A
    server that closes after its last command without waiting for the reply (as
    xivo-agid does) resets the connection when that reply reaches it: the same end, as
    for Asterisk."""
    env = {"network": "yes", "network_script": script, "request": f"agi://127.0.0.1/{script}"}
    env |= {"channel": "Local/test", "uniqueid": "1.1", **headers}
    block = "".join(f"agi_{key}: {value}\n" for key, value in env.items()) + "\n"
    commands = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(block.encode())
        reader = sock.makefile("rb")
        try:
            while line := reader.readline():
                commands.append(line.decode().rstrip("\n"))
                sock.sendall(b"200 result=0\n" if line.startswith(b"EXEC") else b"200 result=1\n")
        except (ConnectionResetError, BrokenPipeError):
            pass
        return commands


class BlockingCTIClient:
    """A blocking CTI client keeping the messages it read until a test asks for them."""

    def __init__(self, port: int, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket()
        if rcvbuf is not None:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.connect(("127.0.0.1", port))
        self.buf = b""
        self.unread: list[dict[str, Any]] = []

    def send(self, **message: Any) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def wait(self, match: Callable[[dict], bool], timeout: float = 15.0) -> dict[str, Any]:
        """The first message not yet returned that ``match``es (read more as needed)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, message in enumerate(self.unread):
                if match(message):
                    return self.unread.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching message; last: {self.unread[-5:]}")
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError(f"server closed; last: {self.unread[-5:]}")
            *lines, self.buf = (self.buf + data).split(b"\n")
            self.unread += [json.loads(line) for line in lines if line]

    def reply(self, commandid: int, timeout: float = 15.0) -> dict[str, Any]:
        return self.wait(lambda m: m.get("replyid") == commandid, timeout)

    def login(self, login: str, password: str | None = None) -> dict[str, Any]:
        """The three login steps (password ``<login>-pw`` by default); the last reply."""
        self.send(**{"class": "login_id", "userlogin": login, "xivoversion": "2.3", "commandid": 1})
        assert "sessionid" in self.reply(1)
        password = f"{login}-pw" if password is None else password
        self.send(**{"class": "login_pass", "password": password, "commandid": 2})
        assert self.reply(2)["capalist"]
        self.send(**{"class": "login_capas", "capaid": 1, "state": "available", "commandid": 3})
        return self.reply(3)

    def close(self) -> None:
        self.sock.close()
