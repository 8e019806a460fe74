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
from pathlib import Path

from tests.services.asterisk import free_port

__all__ = ["Daemon", "fastagi_monitoring", "free_port", "health", "http_get", "twistd_env"]

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
        args = [TWISTD, "-n", "--pidfile=", f"--logfile={self.log}", plugin]
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


def fastagi_monitoring(port: int) -> list[str]:
    """Play Asterisk's side of ``AGI(agi://.../monitoring)``; the commands received."""
    commands = []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(
            b"agi_network: yes\nagi_network_script: monitoring\nagi_request: "
            b"agi://127.0.0.1/monitoring\nagi_channel: Local/test\nagi_uniqueid: 1.1\n\n"
        )
        reader = sock.makefile("rb")
        while True:
            line = reader.readline()
            if not line:
                return commands
            commands.append(line.decode().rstrip("\n"))
            sock.sendall(b"200 result=1\n")
