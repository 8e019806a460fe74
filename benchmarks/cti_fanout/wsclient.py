"""The WebSocket side of the fan-out clients: the upgrade and the login messages as the
panel sends them, and reading what arrives (one CTI message per server text frame).

The reader must keep up with 833 messages per client per second, so most clients only
count messages: every one the server sends is a JSON object starting ``{"class":``
(``MessageCounter`` counts that mark across reads, so one cut by a read still counts
once). The sampled clients take each frame apart (``FrameReader``) to time the pushes.
"""

from __future__ import annotations

import base64
import os

__all__ = ["FrameReader", "MessageCounter", "masked_text", "upgrade_request"]

MARK = b'{"class":'


def upgrade_request(port: int) -> bytes:
    """The opening handshake of a WebSocket to ``/cti`` (no Origin: not a browser)."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /cti HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def masked_text(payload: bytes) -> bytes:
    """One final text frame from a client (masked, as RFC 6455 requires); under 64 KiB."""
    mask = os.urandom(4)
    size = len(payload)
    header = bytes((0x81, 0x80 | size)) if size < 126 else bytes((0x81, 0xFE)) + size.to_bytes(2)
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class MessageCounter:
    """Counts the messages in a client's stream of reads, each read counted where it
    landed (the reader's shared buffer), without copying it."""

    __slots__ = ("count", "_tail")

    def __init__(self) -> None:
        self.count = 0
        self._tail = b""

    def feed(self, buffer: bytearray, size: int) -> int:
        """Count the messages starting in ``buffer[:size]``; the new total."""
        keep = len(MARK) - 1  # too short to hold a whole mark: only ones cut by the read
        across = self._tail + bytes(buffer[: min(keep, size)])
        self.count += across.count(MARK) + buffer.count(MARK, 0, size)
        self._tail = bytes(buffer[size - keep : size]) if size >= keep else across[-keep:]
        return self.count


class FrameReader:
    """The payloads of the unmasked, unfragmented frames a server sends."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[bytes]:
        """The payloads of the frames completed by ``data``."""
        buffer = self._buffer + data
        end, size, out = len(buffer), 0, []
        at = 0
        while end - at >= 2:
            size, start = buffer[at + 1] & 0x7F, at + 2
            if size == 126:
                size, start = int.from_bytes(buffer[at + 2 : at + 4]), at + 4
            elif size == 127:
                size, start = int.from_bytes(buffer[at + 2 : at + 10]), at + 10
            if start > end or start + size > end:
                break
            out.append(buffer[start : start + size])
            at = start + size
        self._buffer = buffer[at:]
        return out
