"""The WebSocket side of the panel's listener, pure: after an accepted upgrade, frames in,
CTI lines and control replies out (wsproto reads; this module writes the server's own
unmasked text frames, so a push is framed without decoding it).

One client message is one text frame or fragmented message of at most ``max_message``
bytes; it becomes one CTI line (its CR and LF, only whitespace in valid JSON, become
spaces).  A binary message, a message over the bound or a broken frame closes the
connection with the WebSocket code and a reason saying why.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.frame_protocol import CloseReason
from wsproto.utilities import RemoteProtocolError

__all__ = ["Closed", "HandshakeRefused", "Line", "Send", "WebSocket", "text_frame"]

_NEWLINES = bytes.maketrans(b"\r\n", b"  ")


@dataclass(frozen=True, kw_only=True, slots=True)
class Line:
    """One client message, as a newline-terminated CTI line."""

    data: bytes


@dataclass(frozen=True, kw_only=True, slots=True)
class Send:
    """Control bytes to write (a pong)."""

    data: bytes


@dataclass(frozen=True, kw_only=True, slots=True)
class Closed:
    """The WebSocket is over: write ``data`` (a close frame, maybe empty), then disconnect."""

    data: bytes
    code: int
    reason: str


class HandshakeRefused(Exception):
    """An upgrade request wsproto does not accept (missing key, wrong version)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def text_frame(payload: bytes) -> bytes:
    """One final, unmasked text frame (what a server sends) carrying ``payload`` (UTF-8)."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return struct.pack("!BBH", 0x81, 126, size) + payload
    return struct.pack("!BBQ", 0x81, 127, size) + payload


class LineFramer:
    """Frames whole lines (``b"...\n"``), each as one text frame, remembering the recent
    inputs: the broadcaster hands the same bytes object to every client of a group, and a
    client served late gets several flushes in one turn, so a flush to a thousand panels
    frames its lines once.  At most ``keep`` inputs and about ``keep_bytes`` of them are
    remembered (the newest always); each is kept alive while remembered, so its ``id``
    names only that very object."""

    def __init__(self, keep: int = 16, keep_bytes: int = 4 << 20) -> None:
        self._keep = keep
        self._keep_bytes = keep_bytes
        self._size = 0
        self._framed: dict[int, tuple[bytes, bytes]] = {}

    def frame(self, lines: bytes) -> bytes:
        """The text frames of ``lines``, which end with a line feed."""
        known = self._framed.get(id(lines))
        if known is not None:
            return known[1]
        framed = b"".join(text_frame(line) for line in lines.split(b"\n")[:-1])
        self._framed[id(lines)] = (lines, framed)
        self._size += len(lines) + len(framed)
        while len(self._framed) > self._keep or (
            self._size > self._keep_bytes and len(self._framed) > 1
        ):
            oldest, old_framed = self._framed.pop(next(iter(self._framed)))
            self._size -= len(oldest) + len(old_framed)
        return framed


class WebSocket:
    """One server-side WebSocket connection, from the upgrade request on."""

    def __init__(self, max_message: int) -> None:
        self._ws = WSConnection(ConnectionType.SERVER)
        self._max = max_message
        self._message: list[bytes] = []
        self._size = 0
        self.closed = False

    def accept(self, headers: list[tuple[bytes, bytes]], target: bytes) -> bytes:
        """The 101 answer to a parsed upgrade request; raises ``HandshakeRefused``."""
        try:
            self._ws.initiate_upgrade_connection(headers, target)
            events = list(self._ws.events())
        except RemoteProtocolError as e:
            hint = e.event_hint
            status = hint.status_code if isinstance(hint, RejectConnection) else 400
            raise HandshakeRefused(status, str(e)) from None
        if not events or not isinstance(events[0], Request):
            raise HandshakeRefused(400, "not a WebSocket upgrade request")
        return self._ws.send(AcceptConnection())

    def receive_data(self, data: bytes) -> list[Line | Send | Closed]:
        """Feed bytes from the client (``b""``: it disconnected)."""
        if self.closed:
            return []
        self._ws.receive_data(data or None)
        out: list[Line | Send | Closed] = []
        for event in self._ws.events():
            if isinstance(event, TextMessage):
                chunk = event.data.encode("utf-8", "surrogatepass")
                self._size += len(chunk)
                if self._size > self._max:
                    out.append(
                        self.close(CloseReason.MESSAGE_TOO_BIG, f"message over {self._max} bytes")
                    )
                    break
                self._message.append(chunk)
                if event.message_finished:
                    line = b"".join(self._message).translate(_NEWLINES) + b"\n"
                    self._message, self._size = [], 0
                    out.append(Line(data=line))
            elif isinstance(event, BytesMessage):
                reason = "binary frames are not accepted: one JSON CTI message per text frame"
                out.append(self.close(CloseReason.UNSUPPORTED_DATA, reason))
                break
            elif isinstance(event, Ping):
                out.append(Send(data=self._ws.send(event.response())))
            elif isinstance(event, CloseConnection):
                out.append(self._closed_by_peer(event))
                break
        return out

    def _closed_by_peer(self, event: CloseConnection) -> Closed:
        self.closed = True
        answer = b""
        if event.code != CloseReason.ABNORMAL_CLOSURE:
            answer = self._ws.send(event.response())
        return Closed(data=answer, code=event.code, reason=event.reason or "closed by the client")

    def close(self, code: int, reason: str) -> Closed:
        """Start closing from this side: a close frame with ``code`` and ``reason``."""
        self.closed = True
        self._message, self._size = [], 0
        data = self._ws.send(CloseConnection(code=code, reason=reason))
        return Closed(data=data, code=int(code), reason=reason)
