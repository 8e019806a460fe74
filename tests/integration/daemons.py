"""Helpers for integration tests that run the real twistd plugins as subprocesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.services.asterisk import free_port

__all__ = [
    "BlockingCTIClient",
    "Daemon",
    "fastagi_request",
    "free_port",
    "health",
    "http_get",
    "twistd_env",
]

TWISTD = str(Path(sys.executable).with_name("twistd"))
REPO = str(Path(__file__).resolve().parents[2])


def twistd_env() -> dict[str, str]:
    """The environment for twistd: the repository first on the path (its plugins)."""
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": f"{REPO}:{path}" if path else REPO}


class Daemon:
    """A ``twistd -n <plugin> --config FILE`` subprocess logging to a file."""

    def __init__(self, plugin: str, config_text: str, tmp_path: Path) -> None:
        self.config = tmp_path / f"{plugin}.yml"
        self.config.write_text(config_text)
        self.log = tmp_path / f"{plugin}.log"
        args = [TWISTD, "--reactor=xivo", "-n", "--pidfile=", f"--logfile={self.log}", plugin]
        args += ["--config", str(self.config)]
        self.proc = subprocess.Popen(
            args, cwd=tmp_path, env=twistd_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    def wait_port(self, port: int, timeout: float = 30.0) -> None:
        """Wait until ``port`` on loopback accepts connections (fails if the daemon died)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}:\n{self.output()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"port {port} not open after {timeout} s:\n{self.output()}")

    def output(self) -> str:
        """The log file so far (for assertion messages)."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        return self.proc.returncode


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
    answering ``200 result=1`` to each command; the commands received, until the close."""
    env = {"network": "yes", "network_script": script, "request": f"agi://127.0.0.1/{script}"}
    env |= {"channel": "Local/test", "uniqueid": "1.1", **headers}
    block = "".join(f"agi_{key}: {value}\n" for key, value in env.items()) + "\n"
    commands = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(block.encode())
        reader = sock.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return commands
            commands.append(line.decode().rstrip("\n"))
            sock.sendall(b"200 result=1\n")


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
