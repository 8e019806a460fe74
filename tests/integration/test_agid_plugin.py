"""Integration: the real `twistd -n xivo-agid` answering FastAGI over TCP."""

import socket
import time

import pytest

from testing.daemons import Daemon, free_port

MONITORING_COMMAND = b'EXEC "MSet" "XIVO_AGID_STATUS=OK,XIVO_AGID_UPTIME='
"""The start of the monitoring script's one command."""


@pytest.fixture
def agid(tmp_path):
    """A running xivo-agid on a free port; yields (port, daemon)."""
    port = free_port()
    config = f"listen: {{address: 127.0.0.1, port: {port}}}\nhttp: {{port: {free_port()}}}\n"
    daemon = Daemon("xivo-agid", config, tmp_path)
    try:
        daemon.wait_port(port, timeout=20.0)
        yield port, daemon
    finally:
        daemon.stop()


def test_monitoring_over_tcp(agid):
    """The monitoring script sets its variables over a real FastAGI connection, then closes."""
    port, _daemon = agid
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(
            b"agi_network: yes\nagi_network_script: monitoring\n"
            b"agi_channel: Local/s@test-0001;2\nagi_uniqueid: 1.1\n\n"
        )
        reader = s.makefile("rb")
        assert reader.readline().startswith(MONITORING_COMMAND)
        s.sendall(b"200 result=0\n")  # as Asterisk answers MSet
        assert reader.readline() == b""  # the server closed the session


def test_unknown_script_is_closed(agid):
    """An unknown script gets the connection closed with no command."""
    port, daemon = agid
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"agi_network_script: nope\nagi_channel: X/1\n\n")
        assert s.makefile("rb").readline() == b""
    time.sleep(0.2)
    assert "unknown FastAGI script" in daemon.output()


def test_bad_config_exits_non_zero_naming_key(tmp_path):
    """A wrong config file makes twistd exit non-zero with a message naming the key."""
    daemon = Daemon("xivo-agid", "fastagi:\n  header_timeout: soon\n", tmp_path)
    assert daemon.proc.wait(timeout=30) != 0
    output = daemon.output()
    assert "fastagi.header_timeout" in output and str(daemon.config) in output


def test_malformed_dsn_refuses_start_in_one_line_without_the_password(tmp_path):
    """A DSN libpq cannot parse stops start-up at once with one line naming the key, and
    the password appears nowhere in the output."""
    daemon = Daemon(
        "xivo-agid",
        "sources: {crm: {type: postgresql, dsn: 'postgresql://xivo:S3ntinel@[::1/xivo'}}\n"
        "reverse_lookup: {sources: [crm]}\n",
        tmp_path,
    )
    try:
        assert daemon.proc.wait(timeout=30) != 0
    finally:
        daemon.stop()
    output = daemon.output()
    assert "sources.crm.dsn: not a valid libpq connection string" in output
    assert "S3ntinel" not in output


def test_sigterm_stops_accepting_then_lets_the_session_in_flight_finish(tmp_path):
    """SIGTERM closes the port at once, but a session waiting on Asterisk still completes
    (within fastagi.drain_timeout) before the daemon exits."""
    import signal

    from testing.daemons import listening

    port = free_port()
    config = (
        f"listen: {{address: 127.0.0.1, port: {port}}}\nhttp: {{port: {free_port()}}}\n"
        "fastagi: {drain_timeout: 10, session_timeout: 20}\n"
    )
    daemon = Daemon("xivo-agid", config, tmp_path)
    try:
        daemon.wait_port(port, timeout=20.0)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"agi_network_script: monitoring\nagi_channel: Local/s@t-1;2\n\n")
            reader = s.makefile("rb")
            assert reader.readline().startswith(MONITORING_COMMAND)
            daemon.proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10
            while listening(port) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not listening(port)
            assert daemon.proc.poll() is None  # still draining
            s.sendall(b"200 result=0\n")
            assert reader.readline() == b""
        assert daemon.proc.wait(timeout=10) in (0, -signal.SIGTERM)
    finally:
        daemon.stop()


def test_garbage_after_the_environment_is_dropped_and_others_served(agid):
    """256 KiB of garbage lines after the environment: the connection is dropped after a
    few lines, two log lines say so, and another request is served meanwhile."""
    port, daemon = agid
    with socket.create_connection(("127.0.0.1", port), timeout=5) as bad:
        bad.sendall(b"agi_network_script: monitoring\nagi_channel: Local/s@t-1;2\n\n")
        try:
            bad.sendall(b"x\n" * 131072)
        except OSError:
            pass  # the server may already have closed it
        with socket.create_connection(("127.0.0.1", port), timeout=5) as good:
            good.sendall(b"agi_network_script: monitoring\nagi_channel: Local/s@t-2;2\n\n")
            reader = good.makefile("rb")
            assert reader.readline().startswith(MONITORING_COMMAND)
        try:
            while bad.recv(65536):  # until the server closes (a timeout fails the test)
                pass
        except ConnectionResetError:
            pass  # closed with unread data: a reset is the same answer
    time.sleep(0.2)
    lines = [line for line in daemon.output().splitlines() if "unexpected" in line]
    assert 1 <= len(lines) <= 2, lines


def test_idle_connections_do_not_keep_a_call_out(tmp_path):
    """Every slot held by connections that send nothing: a real request still gets one
    (the oldest idle connection is closed for it)."""
    port = free_port()
    config = (
        f"listen: {{address: 127.0.0.1, port: {port}}}\nhttp: {{port: {free_port()}}}\n"
        "fastagi: {max_connections: 20, header_timeout: 30}\n"
    )
    daemon = Daemon("xivo-agid", config, tmp_path)
    idle = []
    try:
        daemon.wait_port(port, timeout=20.0)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(25)]
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"agi_network_script: monitoring\nagi_channel: Local/s@t-1;2\n\n")
            assert s.makefile("rb").readline().startswith(MONITORING_COMMAND)
    finally:
        for sock in idle:
            sock.close()
        daemon.stop()


def test_metrics_serve_the_daemons_own_registry_and_the_process(tmp_path):
    """/metrics shows the requests counted by the daemon's AgidMetrics and the process's
    own figures."""
    from testing.daemons import http_get

    port, http_port = free_port(), free_port()
    config = f"listen: {{address: 127.0.0.1, port: {port}}}\nhttp: {{port: {http_port}}}\n"
    daemon = Daemon("xivo-agid", config, tmp_path)
    try:
        daemon.wait_port(port, timeout=20.0)
        daemon.wait_port(http_port, timeout=20.0)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"agi_network_script: monitoring\nagi_channel: Local/s@t-1;2\n\n")
            reader = s.makefile("rb")
            assert reader.readline().startswith(MONITORING_COMMAND)
            s.sendall(b"200 result=0\n")
            assert reader.readline() == b""
        time.sleep(0.2)
        status, body = http_get(http_port, "/metrics")
        assert status == 200
        assert b'xivo_agid_requests_total{outcome="ok",script="monitoring"} 1.0' in body
        assert b"process_cpu_seconds_total" in body
    finally:
        daemon.stop()
