"""The panel's Twisted adapter: HTTP, then the CTI session over WebSocket frames."""

from __future__ import annotations

import json

from wsproto.events import AcceptConnection, CloseConnection, RejectConnection, TextMessage

from tests.xivo_cti.web.conftest import WebRig
from xivo_cti.ami import Message


def test_page_then_close(web: WebRig) -> None:
    """A GET of / is answered with the page, then the connection closes."""
    client = web.web()
    client.send_raw(b"GET / HTTP/1.1\r\nHost: panel.test\r\n\r\n")
    assert client.transport.value().startswith(b"HTTP/1.1 200 OK\r\n")
    assert client.transport.value().endswith(b"<p>panel</p>")
    assert client.transport.disconnecting


def test_login_over_websocket(web: WebRig) -> None:
    """The three-step login works as on TCP, one JSON message per text frame; a push
    reaches the client as its own frame."""
    client = web.web()
    accepted, offer = client.upgrade()
    assert isinstance(accepted, AcceptConnection)
    assert isinstance(offer, TextMessage) and json.loads(offer.data)["class"] == "starttls"
    capas = client.login("alice")
    assert capas["userid"] == "1" and capas["appliname"] == "Supervisor"
    client.send(
        **{"class": "getlist", "function": "listid", "listname": "users", "tipbxid": "xivo"}
    )
    (answer,) = client.received()
    assert answer["function"] == "listid" and sorted(answer["list"]) == ["1", "2", "3"]


def test_starttls_declined(web: WebRig) -> None:
    """A WebSocket session never upgrades in place: STARTTLS is declined."""
    client = web.opened()
    client.received()
    client.send(**{"class": "starttls", "status": True})
    (answer,) = client.received()
    assert answer == {**answer, "class": "starttls", "starttls": False}


def test_wrong_password_is_refused(web: WebRig) -> None:
    """A wrong password gets the same error as on TCP (after the failed-login delay)."""
    client = web.opened()
    client.send(**{"class": "login_id", "userlogin": "bob", "wazoversion": "2.3"})
    client.send(**{"class": "login_pass", "password": "nope"})
    web.clock.advance(web.ctx.config.failed_login_delay)
    errors = [m for m in client.received() if "error_string" in m]
    assert errors == [{**errors[0], "class": "login_pass", "error_string": "login_password"}]


def test_binary_frame_closes_with_reason(web: WebRig) -> None:
    """A binary frame ends the session with 1003 and a reason; the address is released."""
    from wsproto.events import BytesMessage

    client = web.opened()
    client.read()
    client.send_raw(client.ws.send(BytesMessage(data=b"\x00\x01")))
    (close,) = [e for e in client.read() if isinstance(e, CloseConnection)]
    assert close.code == 1003 and "text frame" in close.reason
    assert client.transport.disconnecting
    client.proto.connectionLost(None)
    assert web.ctx.limits.connection_opened("10.0.0.9")


def test_oversized_message_closes(web: WebRig) -> None:
    """A message over ``max_message`` closes with 1009, before it is read whole."""
    client = web.opened()
    client.read()
    client.send_raw(client.ws.send(TextMessage(data="x" * 40000)))
    (close,) = [e for e in client.read() if isinstance(e, CloseConnection)]
    assert close.code == 1009 and "16384" in close.reason


def test_wrong_origin_refused(web: WebRig) -> None:
    """A page from another site may not open the WebSocket (403), and takes no slot."""
    client = web.web()
    events = client.upgrade(origin="https://evil.example")
    assert isinstance(events[0], RejectConnection) and events[0].status_code == 403
    assert client.transport.disconnecting


def test_no_origin_accepted(web: WebRig) -> None:
    """A non-browser client (no Origin) is not subject to the check."""
    client = web.web()
    assert isinstance(client.upgrade(origin=None)[0], AcceptConnection)


def test_per_address_limit(web: WebRig) -> None:
    """The TCP port's per-address connection limit counts the panel's connections too,
    from their opening (503 past it, before any request is read)."""
    for _ in range(web.ctx.config.max_connections_per_address - 1):
        assert web.ctx.limits.connection_opened("10.0.0.7")
    web.opened("10.0.0.7")
    client = web.web("10.0.0.7")
    assert client.transport.value().startswith(b"HTTP/1.1 503 ")
    assert client.transport.disconnecting
    client.proto.connectionLost(None)
    assert not web.ctx.limits.connection_opened("10.0.0.7")  # the refused one took none


def test_page_request_releases_its_count(web: WebRig) -> None:
    """A connection that only fetched a file gives its count back when it closes."""
    client = web.web("10.0.0.8")
    client.send_raw(b"GET / HTTP/1.1\r\nHost: panel.test\r\n\r\n")
    client.proto.connectionLost(None)
    for _ in range(web.ctx.config.max_connections_per_address):
        assert web.ctx.limits.connection_opened("10.0.0.8")


def test_bad_handshake(web: WebRig) -> None:
    """An upgrade without a key gets 400 and the reason; the slot is released on close."""
    client = web.web()
    client.send_raw(
        b"GET /cti HTTP/1.1\r\nHost: panel.test:9480\r\nConnection: Upgrade\r\n"
        b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    assert client.transport.value().startswith(b"HTTP/1.1 400 ")
    assert b"bad WebSocket handshake" in client.transport.value()
    client.proto.connectionLost(None)
    limits = web.ctx.limits
    for _ in range(web.ctx.config.max_connections_per_address):
        assert limits.connection_opened("10.0.0.9")


def test_request_timeout(web: WebRig) -> None:
    """A client that never finishes its request is answered 408 and closed."""
    client = web.web()
    client.send_raw(b"GET / HTTP/1.1\r\n")
    web.clock.advance(10)
    assert client.transport.value().startswith(b"HTTP/1.1 408 ")
    assert client.transport.disconnecting


def test_ping_answered(web: WebRig) -> None:
    """A ping gets its pong."""
    from wsproto.events import Ping, Pong

    client = web.opened()
    client.read()
    client.send_raw(client.ws.send(Ping(payload=b"hi")))
    assert [e for e in client.read() if isinstance(e, Pong)] == [Pong(payload=b"hi")]


def test_peer_close_ends_session(web: WebRig) -> None:
    """A close from the client is answered and the CTI session ends with the connection."""
    client = web.opened()
    client.login("carol")
    client.send_raw(client.ws.send(CloseConnection(code=1000)))
    assert any(isinstance(e, CloseConnection) for e in client.read())
    assert client.transport.disconnecting
    client.proto.connectionLost(None)
    assert web.ctx.broadcaster.count("users") == 0


def test_server_close_sends_close_frame(web: WebRig) -> None:
    """When the CTI session closes (login timeout), the client gets the reason as a
    message, then a close frame."""
    client = web.opened()
    client.read()
    web.clock.advance(web.ctx.config.login_timeout)
    events = client.read()
    texts = [e.data for e in events if isinstance(e, TextMessage)]
    assert any("login_timeout" in t for t in texts)
    assert isinstance(events[-1], CloseConnection) and events[-1].code == 1000


def test_accept_event(web: WebRig) -> None:
    """The 101 answer is a valid WebSocket acceptance."""
    assert isinstance(web.web().upgrade()[0], AcceptConnection)


def test_slow_reader_dropped_like_on_tcp(web: WebRig) -> None:
    """The real transport's full buffer pauses the CTI session itself: pushes queue, and
    past ``output_buffer_limit`` the client is aborted, as on the TCP port."""
    client = web.opened()
    client.login("alice")
    client.read()
    assert client.transport.producer is client.proto.cti
    client.transport.producer.pauseProducing()
    push = b'{"class":"x","pad":"' + b"p" * 8000 + b'"}\n'
    writes = 0
    while not client.proto.cti.closing and writes < 1000:
        client.proto.cti.write_encoded(push)
        writes += 1
    assert client.proto.cti.closing and client.transport.value() == b""
    assert client.transport.disconnecting  # aborted
    limit = web.ctx.config.output_buffer_limit
    assert (writes - 1) * len(push) <= limit < writes * len(push)


def test_writes_framed_per_line() -> None:
    """Each complete line written is one text frame; a partial line waits for its end."""
    from twisted.internet.testing import StringTransport

    from xivo_cti.web._frames import LineFramer
    from xivo_cti.web._protocol import FrameTransport

    class Web:
        transport = StringTransport()

    frames = FrameTransport(Web(), LineFramer())  # type: ignore[arg-type]
    frames.write(b'{"a":1}\n{"b"')
    assert Web.transport.value() == b'\x81\x07{"a":1}'
    frames.writeSequence([b":2}\n"])
    assert Web.transport.value() == b'\x81\x07{"a":1}\x81\x07{"b":2}'
    frames.write(b'{"c":3}\n')
    assert Web.transport.value().endswith(b'\x81\x07{"b":2}\x81\x07{"c":3}')


def test_chunks_of_whole_lines_are_framed_each_and_written_once() -> None:
    """``writeSequence`` of whole-line chunks: each framed by the listener's framer (a
    chunk framed before is not framed again), one write to the real transport."""
    from twisted.internet.testing import StringTransport

    from xivo_cti.web._frames import LineFramer
    from xivo_cti.web._protocol import FrameTransport

    class Web:
        transport = StringTransport()

    sequences: list[list[bytes]] = []
    Web.transport.writeSequence = sequences.append  # type: ignore[method-assign]
    framer = LineFramer()
    shared = b'{"a":1}\n'
    framed = framer.frame(shared)
    FrameTransport(Web(), framer).writeSequence([shared, b'{"b":2}\n{"c":3}\n'])  # type: ignore[arg-type]
    assert len(sequences) == 1 and sequences[0][0] is framed
    assert b"".join(sequences[0]) == b'\x81\x07{"a":1}\x81\x07{"b":2}\x81\x07{"c":3}'


def test_no_pong_queued_for_a_client_that_does_not_read(web: WebRig) -> None:
    """Pings from a client whose socket is full are not answered (nothing grows)."""
    from wsproto.events import Ping

    client = web.opened()
    client.read()
    client.transport.producer.pauseProducing()
    client.send_raw(client.ws.send(Ping(payload=b"hi")) * 100)
    assert client.transport.value() == b""


def test_a_push_shared_by_panels_is_framed_once(web: WebRig, monkeypatch) -> None:
    """Two logged-in panels get a push as the same frame, framed once by the listener's
    framer (the broadcaster hands both the same bytes); it reads back as the push."""
    from xivo_cti.web import _frames

    first, second = web.opened(), web.opened("10.0.0.8")
    for client in (first, second):
        client.login("alice")
        client.read()
    framed: list[bytes] = []
    frame = _frames.text_frame

    def counting(payload: bytes) -> bytes:
        framed.append(payload)
        return frame(payload)

    monkeypatch.setattr(_frames, "text_frame", counting)
    web.feed.event(Message.of(Event="ExtensionStatus", Exten="2002", Context="default",
                              Hint="PJSIP/bob", Status="8"))  # fmt: skip
    web.ctx.broadcaster.flush()
    sent = [client.transport.value() for client in (first, second)]
    assert sent[0] == sent[1] != b"" and len(framed) == 1
    first.ws.receive_data(sent[0])
    pushes = [json.loads(e.data) for e in first.ws.events() if isinstance(e, TextMessage)]
    assert [(p["listname"], p["status"]["hintstatus"]) for p in pushes] == [("phones", "8")]
