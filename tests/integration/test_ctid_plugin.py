"""Integration: the real ``twistd xivo-ctid`` plugin, with AMI pointing at a closed port."""

import os
import signal
import time
from pathlib import Path

from testing.daemons import (
    BlockingCTIClient,
    Daemon,
    free_port,
    health,
    http_get,
)
from testing.systemd import FakeSystemd
from xivo_cti.users import DEFAULT_USERS_FILE


def _config(ami, cti, http):
    return (
        f"ami: {{host: 127.0.0.1, port: {ami}, secret: not-logged-s3cret}}\n"
        f"cti: {{address: 127.0.0.1, port: {cti}}}\n"
        f"http: {{address: 127.0.0.1, port: {http}}}\n"
    )


def test_runs_without_asterisk_and_reports_ami_down(tmp_path):
    """AMI unreachable: the daemon stays up, accepts CTI clients, /health says AMI down."""
    ami, cti, http = free_port(), free_port(), free_port()
    daemon = Daemon("xivo-ctid", _config(ami, cti, http), tmp_path)
    try:
        daemon.wait_port(cti)
        daemon.wait_port(http)
        status, report = health(http)
        assert status == 503
        assert report["checks"]["ami"]["status"] == "down"
        assert report["checks"]["ami"]["port"] == ami
        _status, metrics = http_get(http, "/metrics")
        assert b"xivo_ctid_ami_connected 0.0" in metrics
        time.sleep(1.5)
        assert daemon.proc.poll() is None, daemon.output()
        daemon.wait_port(cti)
    finally:
        daemon.stop()
    assert "not-logged-s3cret" not in daemon.output()


def test_sighup_with_broken_config_keeps_running(tmp_path):
    """SIGHUP after the file was broken logs the error and the daemon keeps serving."""
    ami, cti, http = free_port(), free_port(), free_port()
    daemon = Daemon("xivo-ctid", _config(ami, cti, http), tmp_path)
    try:
        daemon.wait_port(cti)
        daemon.config.write_text("ami: {prot: 1}\n")
        daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "not reloaded" not in daemon.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "ami.prot: unknown key" in daemon.output()
        assert daemon.proc.poll() is None
        daemon.wait_port(cti)
    finally:
        daemon.stop()


def test_sighup_moves_ami_and_users_without_dropping_cti_clients(tmp_path):
    """SIGHUP with a new AMI port and users file: /health shows the new AMI address, a
    user only in the new file logs in, and a client logged in before keeps its session."""
    ami, cti, http = free_port(), free_port(), free_port()
    daemon = Daemon("xivo-ctid", _config(ami, cti, http), tmp_path)
    try:
        daemon.wait_port(cti)
        daemon.wait_port(http)
        before = BlockingCTIClient(cti)
        assert "error_string" not in before.login("alice", "alice-secret")
        new_ami = free_port()
        sample = Path(DEFAULT_USERS_FILE).read_text()
        alice = sample[sample.index("- login: alice") : sample.index("- login: bob")]
        zoe = alice.replace("alice", "zoe").replace('"2001"', '"2009"')
        users = tmp_path / "users.yml"
        users.write_text(sample + zoe)
        daemon.config.write_text(_config(new_ami, cti, http) + f"users_file: {users}\n")
        daemon.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "reloaded xivo-ctid" not in daemon.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        _status, report = health(http)
        assert report["checks"]["ami"]["port"] == new_ami, daemon.output()
        assert "users reloaded: 4 users" in daemon.output()
        before.send(**{"class": "getlist", "function": "listid", "listname": "users",
                       "commandid": 9})  # fmt: skip
        assert before.reply(9)["list"] == ["1", "2", "3", "4"]  # the session lives on
        before.close()
        after = BlockingCTIClient(cti)
        assert "error_string" not in after.login("zoe", "alice-secret")
        after.close()
    finally:
        daemon.stop()
    assert "not-logged-s3cret" not in daemon.output()


def test_bad_config_stops_start_up_naming_the_key(tmp_path):
    """An unknown key makes twistd exit at once with the key in the message."""
    daemon = Daemon("xivo-ctid", "cti: {prot: 5003}\n", tmp_path)
    assert daemon.proc.wait(timeout=60) != 0
    assert "cti.prot: unknown key" in daemon.output()
    daemon.stop()


def test_verifiers_survive_a_restart_through_the_fd_store(tmp_path):
    """Under a stand-in for systemd's notify socket, xivo-ctid stores a memfd; started
    again with it (as systemd does on ``systemctl restart``), alice's login is answered
    from the verifier cache, not by argon2."""
    ami, cti, http = free_port(), free_port(), free_port()
    systemd = FakeSystemd(tmp_path / "notify")
    daemon = Daemon("xivo-ctid", _config(ami, cti, http), tmp_path,
                    environ={"NOTIFY_SOCKET": systemd.path})  # fmt: skip
    try:
        daemon.wait_port(cti)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("alice", "alice-secret")
        client.close()
        daemon.stop()
        assert systemd.receive() == ["FDSTORE=1\nFDNAME=verifiers"], daemon.output()
        passed = systemd.pass_on()
        daemon = Daemon("xivo-ctid", _config(ami, cti, http), tmp_path,
                        environ=systemd.restart_environ(), passed_fd=passed)  # fmt: skip
        os.close(passed)
        daemon.wait_port(cti)
        daemon.wait_port(http)
        assert "1 login verifiers kept from the previous process" in daemon.output()
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("alice", "alice-secret")
        client.close()
        _status, metrics = http_get(http, "/metrics")
        assert b'xivo_ctid_login_verifier_cache_total{result="hit"} 1.0' in metrics
        assert b'xivo_ctid_login_verifier_cache_total{result="miss"} 0.0' in metrics
        assert systemd.receive() == []  # the same memfd is kept, no second one
    finally:
        daemon.stop()
        systemd.close()
