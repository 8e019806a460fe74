"""Integration: the README's run command, ``scripts/run``, on its embedded defaults.

No configuration file: FastAGI on 127.0.0.1:4573 with the sample CSV directory, CTI on
127.0.0.1:5003 with the sample users, /health on 127.0.0.1:9500, AMI to 127.0.0.1:5038
retried while no Asterisk answers there.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from testing.daemons import REPO, BlockingCTIClient, fastagi_request, health

PORTS = {"FastAGI": 4573, "CTI": 5003, "HTTP": 9500}
AMI_PORT = 5038


def _in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def run_script(tmp_path: Path):
    """``scripts/run`` as a subprocess (its own session, logging to a file)."""
    busy = [f"{name} {port}" for name, port in PORTS.items() if _in_use(port)]
    if _in_use(AMI_PORT):
        busy.append(f"AMI {AMI_PORT} (an Asterisk would be logged in to)")
    if busy and os.environ.get("CI") != "true":
        pytest.skip(f"default ports in use on this machine: {', '.join(busy)}")
    assert not busy, f"default ports in use: {busy}"
    log = (tmp_path / "run.log").open("wb")
    proc = subprocess.Popen(
        [f"{REPO}/scripts/run"], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    yield proc, tmp_path / "run.log"
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    log.close()


def _wait_ready(proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    """Wait until every port is open and /health says the sample directory is loaded."""
    deadline = time.monotonic() + timeout
    while not all(_in_use(port) for port in PORTS.values()) or not _directory_up():
        assert proc.poll() is None, f"scripts/run exited {proc.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"not ready:\n{log.read_text()}"
        time.sleep(0.2)


def _directory_up() -> bool:
    _status, report = health(PORTS["HTTP"])
    return report["checks"]["directory.phonebook"]["status"] == "up"


def test_run_script_serves_on_embedded_defaults(run_script):
    """The run command names a caller from the sample directory, logs in a sample user,
    reports AMI down on /health while no Asterisk is there, and stops cleanly."""
    proc, log = run_script
    _wait_ready(proc, log)
    commands = fastagi_request(
        PORTS["FastAGI"], "callerid_lookup", callerid="0123456789", calleridname="unknown"
    )
    assert commands == ['SET VARIABLE "CALLERID(name)" "Alice Martin"']
    client = BlockingCTIClient(PORTS["CTI"])
    try:
        assert "error_string" not in client.login("alice", "alice-secret")
    finally:
        client.close()
    status, report = health(PORTS["HTTP"])
    assert status == 503
    assert report["checks"]["ami"]["status"] == "down"
    os.killpg(proc.pid, signal.SIGTERM)
    # twistd ends by re-raising the signal that stopped it, after a clean shut-down.
    assert proc.wait(timeout=15) == -signal.SIGTERM, log.read_text()
    output = log.read_text()
    assert "Server Shut Down." in output
    assert "Traceback" not in output and "Unhandled" not in output
