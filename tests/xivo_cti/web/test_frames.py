"""The pure WebSocket side: frames in, CTI lines and control replies out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage

from xivo_cti.web._assets import Assets
from xivo_cti.web._frames import (
    Closed,
    HandshakeRefused,
    Line,
    LineFramer,
    Send,
    WebSocket,
    text_frame,
)
from xivo_cti.web._http import HTTPFront, Upgrade

HEADERS = [
    (b"host", b"panel.test"),
    (b"connection", b"Upgrade"),
    (b"upgrade", b"websocket"),
    (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ=="),
    (b"sec-websocket-version", b"13"),
]


def pair(max_message: int = 1000) -> tuple[WSConnection, WebSocket]:
    """An open client (wsproto) and server (ours)."""
    client = WSConnection(ConnectionType.CLIENT)
    upgrade = HTTPFront(Assets({}), secure=False, origins=frozenset()).receive_data(
        client.send(Request(host="panel.test", target="/cti"))
    )
    assert isinstance(upgrade, Upgrade)
    server = WebSocket(max_message)
    client.receive_data(server.accept(upgrade.headers, upgrade.target))
    assert isinstance(next(client.events()), AcceptConnection)
    return client, server


def feed(server: WebSocket, data: bytes, size: int) -> list[Line | Send | Closed]:
    """Feed ``data`` in chunks of ``size`` bytes."""
    out: list[Line | Send | Closed] = []
    for i in range(0, len(data), size):
        out += server.receive_data(data[i : i + size])
    return out


@given(
    messages=st.lists(st.text(max_size=300), min_size=1, max_size=5),
    size=st.integers(min_value=1, max_value=64),
    fragment=st.booleans(),
)
def test_messages_at_any_chunk_size(messages: list[str], size: int, fragment: bool) -> None:
    """Whatever the chunking and fragmentation, each message is one line, its CR/LF as
    spaces (JSON whitespace)."""
    client, server = pair()
    data = b""
    for text in messages:
        if fragment and len(text) > 1:
            half = len(text) // 2
            data += client.send(TextMessage(data=text[:half], message_finished=False))
            data += client.send(TextMessage(data=text[half:]))
        else:
            data += client.send(TextMessage(data=text))
    lines = feed(server, data, size)
    expected = [
        Line(
            data=t.encode("utf-8", "surrogatepass").replace(b"\r", b" ").replace(b"\n", b" ")
            + b"\n"
        )
        for t in messages
    ]
    assert lines == expected


@given(payload=st.binary(max_size=70000))
def test_text_frame_reads_back(payload: bytes) -> None:
    """A frame we write is read by a client as that exact payload (every length form)."""
    text = payload.decode("latin-1")
    client, _server = pair()
    client.receive_data(text_frame(text.encode()))
    events = list(client.events())
    assert "".join(e.data for e in events if isinstance(e, TextMessage)) == text
    assert events[-1].message_finished


@given(lines=st.lists(st.binary(max_size=300).map(lambda b: b.replace(b"\n", b"")), max_size=5))
def test_line_framer_frames_each_line(lines: list[bytes]) -> None:
    """Each line becomes one text frame of that line, without its line feed."""
    data = b"".join(line + b"\n" for line in lines)
    assert LineFramer().frame(data) == b"".join(text_frame(line) for line in lines)


def test_line_framer_frames_the_same_bytes_once() -> None:
    """The very same bytes object gets the very same frames back (framed once); equal
    but other bytes are framed anew."""
    framer = LineFramer()
    data = b'{"a": 1}\n{"b": 2}\n'
    framed = framer.frame(data)
    assert framer.frame(data) is framed
    other = bytes(bytearray(data))
    again = framer.frame(other)
    assert again == framed and again is not framed


def test_line_framer_remembers_recent_inputs_within_bounds() -> None:
    """Clients served late get two flushes in turn: each is framed once; past ``keep``
    inputs (or ``keep_bytes``) the oldest is forgotten, the newest always kept."""
    framer = LineFramer(keep=2, keep_bytes=1000)
    first, second, third = (f'{{"n": {n}}}\n'.encode() for n in (1, 2, 3))
    framed = [framer.frame(first), framer.frame(second)]
    assert framer.frame(first) is framed[0] and framer.frame(second) is framed[1]
    framer.frame(third)
    assert framer.frame(second) is framed[1]
    assert framer.frame(first) is not framed[0]  # forgotten: framed anew
    big = b"x" * 2000 + b"\n"
    assert framer.frame(big) is framer.frame(big)  # over keep_bytes alone, still the newest
    assert framer.frame(third) == text_frame(b'{"n": 3}')


@given(garbage=st.binary(min_size=1, max_size=200))
def test_garbage_gives_events_never_exceptions(garbage: bytes) -> None:
    """Any bytes after the handshake give lines, replies or a close: nothing raises."""
    _client, server = pair()
    for event in server.receive_data(garbage):
        assert isinstance(event, (Line, Send, Closed))


def test_unmasked_frame_is_a_protocol_error() -> None:
    """A client frame without a mask is refused with 1002."""
    _client, server = pair()
    (closed,) = server.receive_data(text_frame(b"{}"))
    assert isinstance(closed, Closed) and closed.code == 1002


def test_oversized_message_fragmented() -> None:
    """The bound is on the whole message, across fragments."""
    client, server = pair(max_message=10)
    data = client.send(TextMessage(data="12345678", message_finished=False))
    data += client.send(TextMessage(data="90ab"))
    (closed,) = server.receive_data(data)
    assert isinstance(closed, Closed) and closed.code == 1009
    assert server.receive_data(b"more") == []


def test_ping_pong_and_close() -> None:
    """A ping is answered; a close is answered and ends the socket."""
    client, server = pair()
    (pong,) = server.receive_data(client.send(Ping(payload=b"x")))
    assert isinstance(pong, Send)
    (closed,) = server.receive_data(client.send(CloseConnection(code=1001, reason="bye")))
    assert isinstance(closed, Closed) and (closed.code, closed.reason) == (1001, "bye")
    client.receive_data(closed.data)
    assert isinstance(next(client.events()), CloseConnection)


def test_disconnect_without_close() -> None:
    """A dropped connection reads as 1006 with nothing to answer."""
    _client, server = pair()
    (closed,) = server.receive_data(b"")
    assert closed == Closed(data=b"", code=1006, reason="closed by the client")


@pytest.mark.parametrize(
    ("name", "value", "status"),
    [(b"sec-websocket-key", None, 400), (b"sec-websocket-version", b"8", 426)],
)
def test_handshake_refused(name: bytes, value: bytes | None, status: int) -> None:
    """A handshake missing its key or with another version is refused with the status
    to answer."""
    headers = [h for h in HEADERS if h[0] != name] + ([(name, value)] if value else [])
    with pytest.raises(HandshakeRefused) as refused:
        WebSocket(100).accept(headers, b"/cti")
    assert refused.value.status == status and refused.value.reason
