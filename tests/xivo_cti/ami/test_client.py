"""Tests for AMIClientService driven with MemoryReactorClock."""

from __future__ import annotations

import pytest
from twisted.internet.error import ConnectionDone, ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.logger import formatEvent, globalLogPublisher
from twisted.python.failure import Failure

from tests.xivo_cti.ami.conftest import BANNER
from xivo_cti.ami._client import AMIClientService
from xivo_cti.ami._config import AMIConfig
from xivo_cti.ami._errors import AMIListOverflow, AMINotConnected
from xivo_cti.ami._retry import AUTH_RETRY_DELAY

SECRET = "t0p-s3cret"


class Rig:
    """A service on a MemoryReactorClock with helpers to play Asterisk."""

    def __init__(self, **config) -> None:
        self.reactor = MemoryReactorClock()
        # The read budget's time part runs on the real clock: on a loaded machine 1 ms
        # ends a pass early and the rest waits for a reactor turn this clock never takes.
        self.config = AMIConfig(secret=SECRET, **{"time_per_pass": 60.0, **config})
        self.connected_protocols = []
        self.states = []
        self.service = AMIClientService(
            self.reactor, self.config, on_connected=self.connected_protocols.append
        )
        self.service.add_connection_listener(self.states.append)
        self.wrapper = None
        self.transport = None

    def accept(self) -> None:
        """Complete the latest connection attempt."""
        factory = self.reactor.tcpClients[-1][2]
        self.wrapper = factory.buildProtocol(None)
        self.transport = StringTransport()
        self.wrapper.makeConnection(self.transport)

    def refuse(self) -> None:
        """Fail the latest connection attempt."""
        factory = self.reactor.tcpClients[-1][2]
        factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))

    def receive(self, data: bytes) -> None:
        self.wrapper.dataReceived(data)

    def last_action(self) -> dict[str, str]:
        raw = self.transport.value().decode().rstrip("\r\n").split("\r\n\r\n")[-1]
        self.transport.clear()
        return dict(line.split(": ", 1) for line in raw.split("\r\n"))

    def answer(self, *lines: str) -> None:
        action_id = self.last_action()["ActionID"]
        text = "\r\n".join([*lines, f"ActionID: {action_id}"]) + "\r\n\r\n"
        self.receive(text.encode())

    def login(self) -> None:
        self.accept()
        self.receive(BANNER)
        self.answer("Response: Success", "Message: Authentication accepted")

    def drop(self) -> None:
        self.wrapper.connectionLost(Failure(ConnectionDone()))


@pytest.fixture
def logged():
    events = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


def test_connects_and_logs_in():
    """Start connects to host:port, logs in with the configured mask, reports connected."""
    rig = Rig(host="127.0.0.1", port=5039, events="call,system")
    rig.service.startService()
    host, port, _, timeout, _ = rig.reactor.tcpClients[0]
    assert (host, port, timeout) == ("127.0.0.1", 5039, 5.0)
    rig.accept()
    rig.receive(BANNER)
    login = rig.last_action()
    assert (login["Action"], login["Username"], login["Secret"]) == ("Login", "xivo", SECRET)
    assert login["Events"] == "call,system"
    assert not rig.service.connected
    rig.receive(f"Response: Success\r\nActionID: {login['ActionID']}\r\n\r\n".encode())
    assert rig.service.connected
    assert rig.states == [True]
    assert rig.connected_protocols == [rig.service.protocol]


def test_first_connection_retried_with_capped_backoff():
    """Refused connections are retried with growing delays capped near 10 s."""
    rig = Rig()
    rig.service.startService()
    for _ in range(8):
        rig.refuse()
        attempts = len(rig.reactor.tcpClients)
        rig.reactor.advance(0.4)
        assert len(rig.reactor.tcpClients) == attempts  # never a tight loop
        rig.reactor.advance(11)
        assert len(rig.reactor.tcpClients) == attempts + 1


def test_backoff_grows():
    """The delay after the third refusal is longer than after the first."""
    rig = Rig()
    rig.service.startService()
    rig.refuse()
    first = rig.reactor.getDelayedCalls()[0].getTime() - rig.reactor.seconds()
    rig.reactor.advance(first)
    rig.refuse()
    rig.reactor.advance(rig.reactor.getDelayedCalls()[0].getTime() - rig.reactor.seconds())
    rig.refuse()
    third = rig.reactor.getDelayedCalls()[0].getTime() - rig.reactor.seconds()
    assert third > first


def test_auth_failure_echoing_the_secret_is_masked(logged):
    """A (hostile) peer whose refusal quotes the secret does not get it into the log."""
    rig = Rig()
    rig.service.startService()
    rig.accept()
    rig.receive(BANNER)
    rig.answer("Response: Error", f"Message: Authentication failed for secret {SECRET}")
    rig.drop()
    texts = [formatEvent(e) for e in logged]
    assert any("Authentication failed for secret" in t for t in texts)
    assert not any(SECRET in t for t in texts)


def test_auth_failure_logged_without_secret_and_retried_slowly(logged):
    """A refused login is logged once, never shows the secret, and is retried after 30 s."""
    rig = Rig()
    rig.service.startService()
    rig.accept()
    rig.receive(BANNER)
    rig.answer("Response: Error", "Message: Authentication failed")
    assert rig.transport.disconnecting
    rig.drop()
    texts = [formatEvent(e) for e in logged]
    refused = [t for t in texts if "refused" in t]
    assert len(refused) == 1 and "xivo" in refused[0] and "ami.secret" in refused[0]
    assert not any(SECRET in t for t in texts)
    attempts = len(rig.reactor.tcpClients)
    rig.reactor.advance(AUTH_RETRY_DELAY - 0.1)
    assert len(rig.reactor.tcpClients) == attempts
    rig.reactor.advance(1.2)
    assert len(rig.reactor.tcpClients) == attempts + 1
    assert not rig.service.connected and rig.states == []


def test_banner_timeout_drops_connection():
    """A peer that sends no banner within connect_timeout is dropped and retried."""
    rig = Rig(connect_timeout=2)
    rig.service.startService()
    rig.accept()
    rig.reactor.advance(2.1)
    assert rig.transport.disconnecting


def test_missing_pong_drops_and_reconnects():
    """No Pong within action_timeout aborts the connection; loss is reported; it reconnects."""
    rig = Rig(ping_interval=10, action_timeout=3)
    rig.service.startService()
    rig.login()
    rig.reactor.advance(10)
    assert rig.last_action()["Action"] == "Ping"
    rig.reactor.advance(3.1)
    assert rig.transport.disconnecting
    rig.drop()
    assert rig.states == [True, False]
    assert not rig.service.connected
    attempts = len(rig.reactor.tcpClients)
    rig.reactor.advance(3)
    assert len(rig.reactor.tcpClients) == attempts + 1


def test_list_over_the_configured_cap_resets_and_reconnects():
    """ami.max_list_items reaches the connection: past it the list action fails, the
    connection is reset and a new one is made (then logged in and resynced as usual)."""
    rig = Rig(max_list_items=10, max_list_bytes=1 << 20)
    rig.service.startService()
    rig.login()
    failures = []
    rig.service.send_action_list("CoreShowChannels").addErrback(failures.append)
    aid = rig.last_action()["ActionID"]
    rig.receive(f"Response: Success\r\nActionID: {aid}\r\n\r\n".encode())
    rig.receive(f"Event: CoreShowChannel\r\nActionID: {aid}\r\n\r\n".encode() * 11)
    assert failures[0].check(AMIListOverflow) and "over 10 items" in str(failures[0].value)
    assert rig.transport.disconnected
    rig.drop()
    assert rig.states == [True, False]
    attempts = len(rig.reactor.tcpClients)
    rig.reactor.advance(3)
    assert len(rig.reactor.tcpClients) == attempts + 1


def test_pong_keeps_connection():
    """Answered pings keep the connection up."""
    rig = Rig(ping_interval=10, action_timeout=3)
    rig.service.startService()
    rig.login()
    for _ in range(3):
        rig.reactor.advance(10)
        rig.answer("Response: Success", "Ping: Pong")
        rig.reactor.advance(3.1)
    assert not rig.transport.disconnecting
    assert rig.service.connected


def test_event_listener_survives_reconnect():
    """A listener added once receives events on every new connection; its remover works."""
    rig = Rig()
    seen = []
    remove = rig.service.add_event_listener(seen.append)
    rig.service.startService()
    rig.login()
    rig.receive(b"Event: Newchannel\r\n\r\n")
    rig.drop()
    rig.reactor.advance(3)
    rig.login()
    rig.receive(b"Event: Hangup\r\n\r\n")
    assert [m.event for m in seen] == ["Newchannel", "Hangup"]
    assert len(rig.connected_protocols) == 2
    remove()
    rig.receive(b"Event: Hangup\r\n\r\n")
    assert len(seen) == 2


def test_listener_added_while_connected():
    """A listener added while connected gets events at once."""
    rig = Rig()
    rig.service.startService()
    rig.login()
    seen = []
    rig.service.add_event_listener(seen.append)
    rig.receive(b"Event: Newchannel\r\n\r\n")
    assert len(seen) == 1


def test_not_connected_fails_fast():
    """Actions while disconnected errback AMINotConnected at once."""
    rig = Rig()
    failures = []
    rig.service.send_action("Ping").addErrback(failures.append)
    rig.service.send_action_list("Status").addErrback(failures.append)
    rig.service.command("core show version").addErrback(failures.append)
    rig.service.originate("Local/1@x", application="Wait").addErrback(failures.append)
    assert len(failures) == 4
    assert all(f.check(AMINotConnected) for f in failures)


def test_actions_delegate_to_protocol():
    """send_action and command go to the logged-in connection."""
    rig = Rig()
    rig.service.startService()
    rig.login()
    results = []
    rig.service.command("core show version").addCallback(results.append)
    rig.answer("Response: Success", "Output: Asterisk 22")
    assert results == [["Asterisk 22"]]


def test_on_connected_failure_is_isolated():
    """An on_connected that raises is logged; the connection stays up."""
    reactor = MemoryReactorClock()

    def broken(protocol):
        raise RuntimeError("resync failed")

    service = AMIClientService(reactor, AMIConfig(), on_connected=broken)
    service.startService()
    rig = Rig()
    rig.reactor, rig.service = reactor, service
    rig.login()
    assert service.connected


def test_stop_service_closes_connection():
    """stopService closes the connection and stops retrying."""
    rig = Rig()
    rig.service.startService()
    rig.login()
    rig.service.stopService()
    assert rig.transport.disconnecting
    rig.drop()
    attempts = len(rig.reactor.tcpClients)
    rig.reactor.advance(60)
    assert len(rig.reactor.tcpClients) == attempts


def test_pending_actions_of_the_current_connection():
    """pending_actions is 0 while disconnected and follows the logged-in connection."""
    rig = Rig()
    rig.service.startService()
    assert rig.service.pending_actions == 0
    rig.login()
    rig.service.send_action("Status")
    assert rig.service.pending_actions == 1
    rig.answer("Response: Success")
    assert rig.service.pending_actions == 0


def test_reconfigure_reconnects_with_the_new_settings():
    """reconfigure closes the logged-in connection, reports it lost, then dials the new
    address and logs in with the new credentials."""
    rig = Rig(host="127.0.0.1", port=5038, username="old")
    rig.service.startService()
    rig.login()
    assert rig.service.connected
    old_transport = rig.transport
    new = AMIConfig(host="127.0.0.2", port=5039, username="new", secret="n3w-s3cret")
    done = []
    rig.service.reconfigure(new).addBoth(done.append)
    # ClientService closes its connection, then the new one dials.
    assert old_transport.disconnecting
    rig.drop()
    assert done == [None]
    assert not rig.service.connected
    assert rig.states == [True, False]
    host, port, *_ = rig.reactor.tcpClients[-1]
    assert (host, port) == ("127.0.0.2", 5039)
    rig.accept()
    rig.receive(BANNER)
    login = rig.last_action()
    assert (login["Username"], login["Secret"]) == ("new", "n3w-s3cret")
    rig.receive(f"Response: Success\r\nActionID: {login['ActionID']}\r\n\r\n".encode())
    assert rig.service.connected and rig.service.config is new
    assert rig.states == [True, False, True]


def test_reconfigure_while_stopped_only_keeps_the_settings():
    """On a stopped service reconfigure dials nothing; the next start uses the new address."""
    rig = Rig(host="127.0.0.1", port=5038)
    done = []
    rig.service.reconfigure(AMIConfig(host="127.0.0.3", port=6000)).addBoth(done.append)
    assert done == [None] and rig.reactor.tcpClients == []
    rig.service.startService()
    host, port, *_ = rig.reactor.tcpClients[-1]
    assert (host, port) == ("127.0.0.3", 6000)
