"""Tests of the CTI protocol: output bounds, bad lines, login timeout."""

from __future__ import annotations

import gc
import json
import weakref

import pytest
from twisted.internet.testing import StringTransport
from twisted.logger import Logger

from tests.xivo_cti.conftest import Rig
from xivo_cti.cti._config import CTIConfig
from xivo_cti.cti._login import LoginFlow
from xivo_cti.cti._protocol import CTIProtocol
from xivo_cti.cti._session import ClientSession


def test_login_timeout_disconnects(rig: Rig) -> None:
    """A client that does not log in within login_timeout is told and disconnected."""
    client = rig.connect()
    rig.clock.advance(5.0)
    assert client.received()[0]["error_string"] == "login_timeout"
    assert client.transport.disconnecting


def test_logged_in_client_has_no_timeout(rig: Rig) -> None:
    """After login the login timer no longer fires."""
    client = rig.logged_in("alice")
    rig.clock.advance(60)
    assert not client.transport.disconnecting


def test_bad_lines_get_errors_then_disconnect(rig: Rig) -> None:
    """Each invalid line gets an error reply; after max_bad_lines the client is dropped."""
    client = rig.connect()
    client.proto.dataReceived(b"garbage\n")
    assert client.received()[0]["error_string"] == "invalid_json"
    assert not client.transport.disconnecting
    client.proto.dataReceived(b"x\n" * 4)
    assert client.transport.disconnecting


def test_lone_surrogate_is_a_bad_line_not_a_crash(rig: Rig) -> None:
    """``{"class":"\\ud800"}`` is answered invalid_json, counted, and the client kept."""
    client = rig.connect()
    client.proto.dataReceived(b'{"class":"\\ud800"}\n')
    assert client.received() == [
        {"class": "error", "error_string": "invalid_json", "timenow": rig.clock.seconds()}
    ]
    assert client.proto.bad_lines == 1 and not client.transport.disconnecting
    assert client.login("alice", rig.clock)["class"] == "login_capas"


def test_oversized_line_gets_error() -> None:
    """A line over max_line_length is answered with line_too_long."""
    rig = Rig(CTIConfig(max_line_length=100))
    client = rig.connect()
    client.proto.dataReceived(b"a" * 500)
    assert client.received()[0]["error_string"] == "line_too_long"


def test_slow_client_dropped_other_keeps_receiving() -> None:
    """A paused client past output_buffer_limit is aborted; another still gets pushes."""
    rig = Rig(CTIConfig(output_buffer_limit=2000))
    slow = rig.logged_in("alice")
    fast = rig.logged_in("bob")
    slow.received(), fast.received()
    dropped_before = rig.metrics.slow_clients_dropped._value.get()
    slow.proto.pauseProducing()
    for i in range(40):
        rig.feed.status_changed(
            rig.ctx.book.set_presence("carol", "away" if i % 2 else "available")
        )
        rig.clock.advance(rig.ctx.config.push_interval)
    assert slow.transport.disconnecting
    assert len([m for m in fast.received() if m.get("tid") == "3"]) == 40
    assert not slow.proto.queued
    assert rig.metrics.slow_clients_dropped._value.get() == dropped_before + 1


def test_clients_gauge_follows_connections(rig: Rig) -> None:
    """The connected-clients gauge goes up on connect and back down on disconnect."""
    before = rig.metrics.cti_clients._value.get()
    client = rig.connect()
    assert rig.metrics.cti_clients._value.get() == before + 1
    client.proto.connectionLost()
    assert rig.metrics.cti_clients._value.get() == before


def test_paused_output_is_flushed_on_resume(rig: Rig) -> None:
    """Output queued while paused is written in order on resume."""
    client = rig.logged_in("alice")
    client.received()
    client.proto.pauseProducing()
    rig.feed.status_changed(rig.ctx.book.set_presence("carol", "away"))
    assert client.received() == []
    client.proto.resumeProducing()
    assert client.received()[0]["status"]["availstate"] == "away"


def test_chunks_go_in_one_transport_write_or_queue_each_while_paused(rig: Rig) -> None:
    """``write_chunks``: one ``writeSequence`` (one send) in order; paused, each chunk is
    queued and written on resume."""
    client = rig.logged_in("alice")
    client.received()
    sequences: list[list[bytes]] = []
    write_sequence = client.transport.writeSequence
    client.transport.writeSequence = lambda data: (sequences.append(list(data)),
                                                   write_sequence(data))  # fmt: skip
    client.proto.write_chunks([b'{"n":1}\n', b'{"n":2}\n'])
    assert sequences == [[b'{"n":1}\n', b'{"n":2}\n']]
    assert [m["n"] for m in client.received()] == [1, 2]
    client.proto.pauseProducing()
    client.proto.write_chunks([b'{"n":3}\n', b'{"n":4}\n'])
    assert client.received() == [] and list(client.proto.queued) == [b'{"n":3}\n', b'{"n":4}\n']
    client.proto.resumeProducing()
    assert [m["n"] for m in client.received()] == [3, 4]


class FillingTransport(StringTransport):
    """A StringTransport that pauses its producer past ``limit`` unread bytes."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def write(self, data: bytes) -> None:
        super().write(data)
        if len(self.value()) > self.limit and self.producer is not None:
            self.producer.pauseProducing()


def test_resume_hands_back_only_what_fits(rig: Rig) -> None:
    """A resume writes queued chunks until the transport pauses again; the rest waits."""
    proto = CTIProtocol(rig.ctx, "10.0.0.2")
    transport = FillingTransport(limit=25)
    proto.makeConnection(transport)
    transport.clear()  # the STARTTLS offer
    proto.pauseProducing()
    for i in range(5):
        proto.write_encoded(b"%d23456789\n" % i)
    assert transport.value() == b"" and proto.queued_size == 50
    proto.resumeProducing()
    assert transport.value() == b"023456789\n123456789\n223456789\n"
    assert proto.paused and proto.queued_size == 20
    proto.write_encoded(b"523456789\n")
    transport.clear()
    transport.limit = 40
    proto.resumeProducing()
    assert transport.value() == b"323456789\n423456789\n523456789\n"
    assert not proto.paused and proto.queued_size == 0 and not proto.queued


def test_connection_lost_frees_the_address_slot(rig: Rig) -> None:
    """Closing a connection uncounts it for its address."""
    client = rig.connect("10.9.9.9")
    client.proto.connectionLost(None)
    assert rig.ctx.limits._connections.get("10.9.9.9") is None


def test_close_aborts_a_client_that_never_reads(rig: Rig) -> None:
    """close() on a paused client aborts the connection after close_timeout."""
    client = rig.logged_in("alice")
    client.proto.pauseProducing()
    rig.feed.status_changed(rig.ctx.book.set_presence("carol", "away"))
    rig.clock.advance(rig.ctx.config.push_interval)
    client.proto.close("test")
    assert client.transport.disconnecting and not client.transport.disconnected
    rig.clock.advance(rig.ctx.config.close_timeout)
    assert client.transport.disconnected


def test_close_timer_cancelled_when_connection_goes(rig: Rig) -> None:
    """A connection lost before close_timeout leaves no abort timer behind."""
    client = rig.logged_in("alice")
    client.proto.close("test")
    client.proto.connectionLost(None)
    rig.clock.advance(rig.ctx.config.status_push_interval)  # alice's status pushed
    assert rig.clock.seconds() < rig.ctx.config.close_timeout
    assert not [c for c in rig.clock.getDelayedCalls() if c.active()]


def test_pushes_of_one_pass_are_one_write(rig: Rig) -> None:
    """Several pushes published in one reactor pass reach the transport in one write."""
    client = rig.logged_in("alice")
    client.received()
    writes: list[bytes] = []
    client.proto.transport.write = writes.append
    for presence in ("away", "available", "away"):
        rig.feed.status_changed(rig.ctx.book.set_presence("carol", presence))
    assert writes == []
    rig.clock.advance(rig.ctx.config.push_interval)
    assert len(writes) == 1 and writes[0].count(b"\n") == 3


def test_reply_comes_after_the_pushes_published_before_it(rig: Rig) -> None:
    """A reply sent mid-pass is preceded by that pass's earlier pushes, not followed."""
    client = rig.logged_in("alice")
    client.received()
    rig.feed.status_changed(rig.ctx.book.set_presence("carol", "away"))
    client.send(**{"class": "keepalive", "commandid": 9})
    rig.clock.advance(rig.ctx.config.push_interval)
    classes = [m["class"] for m in client.received()]
    assert classes == ["getlist", "keepalive"]


class TLSRecordingTransport(StringTransport):
    """A StringTransport that records startTLS (the bytes written before it are clear)."""

    def __init__(self) -> None:
        super().__init__()
        self.tls: list[tuple[object, bytes]] = []

    def startTLS(self, options: object) -> None:
        self.tls.append((options, self.value()))


LOGIN_ID = {"class": "login_id", "userlogin": "bob", "wazoversion": "2.3", "commandid": 1}


def test_starttls_upgrades_and_drops_clear_text_that_followed() -> None:
    """A starttls request is answered in clear, then the transport starts TLS; a login_id
    glued after it in the same read (clear-text injection) is never answered, the client's
    repeated starttls after the upgrade gets no reply, and the login then works."""
    options = object()
    rig = Rig(tls=options)
    transport = TLSRecordingTransport()
    client = rig.connect(transport=transport)
    data = json.dumps({"class": "starttls", "status": True}) + "\n" + json.dumps(LOGIN_ID)
    client.proto.dataReceived(data.encode() + b"\n")
    (reply,) = client.received()
    assert reply == {"class": "starttls", "starttls": True, "timenow": 0.0}
    assert [o for o, _ in transport.tls] == [options]
    assert transport.tls[0][1].endswith(b'"starttls":true,"timenow":0.0}\n')
    client.send(**LOGIN_ID)
    client.send(**{"class": "starttls", "status": True})
    (reply,) = client.received()
    assert reply["class"] == "login_id" and reply["sessionid"]
    assert len(transport.tls) == 1


def test_starttls_declined_without_certificate() -> None:
    """With no TLS configured the answer is starttls false, nothing is upgraded, and the
    client logs in in clear text."""
    rig = Rig()
    transport = TLSRecordingTransport()
    client = rig.connect(transport=transport)
    client.send(**{"class": "starttls", "status": True})
    assert client.received() == [{"class": "starttls", "starttls": False, "timenow": 0.0}]
    client.send(**LOGIN_ID)
    assert client.received()[0]["sessionid"] and transport.tls == []


def test_starttls_after_login_is_ignored() -> None:
    """A client that logged in in clear cannot upgrade later; its starttls is ignored."""
    rig = Rig(tls=object())
    transport = TLSRecordingTransport()
    client = rig.connect(transport=transport)
    client.login("bob", rig.clock)
    client.send(**{"class": "starttls", "status": True})
    assert client.received() == [] and transport.tls == []


class NoDelayTransport(StringTransport):
    """A TCP-like transport recording setTcpNoDelay."""

    no_delay = False

    def setTcpNoDelay(self, enabled: bool) -> None:
        self.no_delay = enabled


def test_replies_are_not_held_by_nagle(rig: Rig) -> None:
    """A TCP connection gets TCP_NODELAY at once (a reply must not wait for the client
    to acknowledge the last push); a transport without it is left alone."""
    transport = NoDelayTransport()
    rig.connect(transport=transport)
    assert transport.no_delay is True
    rig.connect(peer="10.0.0.2")  # a plain StringTransport: no such option, no error


def test_a_lost_client_is_freed_at_once_not_by_the_garbage_collector(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client gone (logged in, or still logging in) leaves nothing in a reference cycle:
    its protocol, session and login are freed when the last reference goes, not at the
    next full collection (which, after a thousand clients dropped, held their memory
    and is itself a long pause of the reactor)."""
    for cls in (CTIProtocol, ClientSession, LoginFlow):  # no test-time log buffer keeping
        monkeypatch.setattr(cls, "log", Logger(observer=lambda event: None))  # them alive
    clients = [rig.logged_in("alice"), rig.connect("10.0.0.2")]
    clients[1].send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "2.3"})
    gc.collect()
    gc.disable()
    try:
        parts = [weakref.ref(part) for c in clients
                 for part in (c.proto, c.proto.session, c.proto.session.login)]  # fmt: skip
        for client in clients:  # as Twisted's TCP transport: it lets go of the protocol first
            client.transport.unregisterProducer()
            client.proto.connectionLost(None)
        for _ in range(3):
            rig.clock.advance(0)
        del clients, client
        assert [part() for part in parts] == [None] * 6
    finally:
        gc.enable()
