"""Integration: the real `twistd -n xivo-agid` answering FastAGI over TCP."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TWISTD = [sys.executable, "-c", "from twisted.scripts.twistd import run; run()"]


def free_port():
    """A TCP port free on loopback right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def twistd(tmp_path, config_text):
    """Start twistd xivo-agid on a config file; output goes to a file in tmp_path."""
    config = tmp_path / "config.yml"
    config.write_text(config_text)
    log = open(tmp_path / "twistd.log", "wb")  # closed below, once the child holds it
    proc = subprocess.Popen(
        [*TWISTD, "--reactor=xivo", "-n", "--pidfile=", "xivo-agid", "--config", str(config)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    return proc, str(config), tmp_path / "twistd.log"


def wait_listening(port, proc, deadline=20.0):
    """Wait until something accepts connections on ``port``."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        assert proc.poll() is None, "twistd exited early"
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listening on {port}")


@pytest.fixture
def agid(tmp_path):
    """A running xivo-agid on a free port; yields (port, log path)."""
    port = free_port()
    proc, _, log = twistd(
        tmp_path, f"listen: {{address: 127.0.0.1, port: {port}}}\nhttp: {{port: {free_port()}}}\n"
    )
    try:
        wait_listening(port, proc).close()
        yield port, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_monitoring_over_tcp(agid):
    """The monitoring script sets its variables over a real FastAGI connection, then closes."""
    port, log = agid
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(
            b"agi_network: yes\nagi_network_script: monitoring\n"
            b"agi_channel: Local/s@test-0001;2\nagi_uniqueid: 1.1\n\n"
        )
        reader = s.makefile("rb")
        assert reader.readline() == b'SET VARIABLE "XIVO_AGID_STATUS" "OK"\n'
        s.sendall(b"200 result=1\n")
        assert reader.readline().startswith(b'SET VARIABLE "XIVO_AGID_UPTIME" "')
        s.sendall(b"200 result=1\n")
        assert reader.readline() == b""  # the server closed the session


def test_unknown_script_is_closed(agid):
    """An unknown script gets the connection closed with no command."""
    port, log = agid
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"agi_network_script: nope\nagi_channel: X/1\n\n")
        assert s.makefile("rb").readline() == b""
    time.sleep(0.2)
    assert b"unknown FastAGI script" in log.read_bytes()


def test_bad_config_exits_non_zero_naming_key(tmp_path):
    """A wrong config file makes twistd exit non-zero with a message naming the key."""
    proc, config, log = twistd(tmp_path, "fastagi:\n  header_timeout: soon\n")
    assert proc.wait(timeout=30) != 0
    output = log.read_text()
    assert "fastagi.header_timeout" in output and config in output
