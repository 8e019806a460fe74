"""The Asterisk rig itself: booted, AMI reachable with the session's credentials, dialplan."""

import socket
import time

import pytest

pytestmark = pytest.mark.e2e


def _ami_exchange(asterisk, payload: bytes, until: bytes) -> bytes:
    data = b""
    with socket.create_connection((asterisk.ami_host, asterisk.ami_port), timeout=10) as sock:
        sock.sendall(payload)
        while until not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data


def test_ami_login_accepted(asterisk):
    """The AMI user and secret written by the fixture log in on the chosen port."""
    login = (
        f"Action: Login\r\nUsername: {asterisk.ami_username}\r\n"
        f"Secret: {asterisk.ami_secret}\r\nEvents: off\r\nActionID: 1\r\n\r\n"
    ).encode()
    data = _ami_exchange(asterisk, login, b"\r\n\r\n")
    assert data.startswith(b"Asterisk Call Manager/")
    assert b"Response: Success" in data


def test_dialplan_contexts_loaded(asterisk):
    """The test contexts and hints from testing/asterisk/extensions.conf are loaded."""
    output = asterisk.cli("dialplan show incoming")
    assert "callerid_lookup" in output
    hints = asterisk.cli("core show hints")
    assert "2001@hints" in hints and "Custom:alice" in hints


def test_queue_configured(asterisk):
    """Queue support exists with its two static members."""
    output = asterisk.cli("queue show support")
    assert "Local/4001@agents/n" in output and "Local/4002@agents/n" in output


def test_reload_keeps_ami(asterisk):
    """reload() rewrites the configuration and AMI still accepts the session's user."""
    asterisk.reload()
    login = (
        f"Action: Login\r\nUsername: {asterisk.ami_username}\r\n"
        f"Secret: {asterisk.ami_secret}\r\nEvents: off\r\n\r\n"
    ).encode()
    assert b"Response: Success" in _ami_exchange(asterisk, login, b"\r\n\r\n")


def _channels(asterisk) -> list[str]:
    """Uniqueids of the server's channels, from CoreShowChannels over its own AMI."""
    actions = (
        f"Action: Login\r\nUsername: {asterisk.ami_username}\r\n"
        f"Secret: {asterisk.ami_secret}\r\nEvents: off\r\n\r\n"
        "Action: CoreShowChannels\r\n\r\n"
    ).encode()
    data = _ami_exchange(asterisk, actions, b"Event: CoreShowChannelsComplete")
    assert b"Event: CoreShowChannelsComplete" in data, data
    return [
        line.split(": ", 1)[1]
        for line in data.decode().split("\r\n")
        if line.startswith("Uniqueid: ")
    ]


def test_second_server_on_its_own(asterisk, asterisk_b):
    """asterisk_b is another Asterisk: own AMI port and secret, own dialplan copy, own
    uniqueids (systemname b); a call on it is not on the first one."""
    assert asterisk_b.ami_port != asterisk.ami_port
    assert asterisk_b.ami_secret != asterisk.ami_secret
    assert asterisk_b.pids()
    assert "2001@hints" in asterisk_b.cli("core show hints")
    asterisk_b.cli("channel originate Local/3001@answering application Wait 5")
    deadline = time.monotonic() + 10
    while not (on_b := _channels(asterisk_b)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert on_b and all(uniqueid.startswith("b-") for uniqueid in on_b), on_b
    assert not set(on_b) & set(_channels(asterisk)), "a call on b showed on the first server"
    asterisk_b.cli("channel request hangup all")
