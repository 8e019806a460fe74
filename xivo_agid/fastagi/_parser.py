"""Sans-IO reader of what Asterisk sends on a FastAGI connection: bytes in, events out.

First the environment block (``agi_*`` lines ended by an empty line), then reply
lines: ``NNN text`` for a one-line reply, ``NNN-text`` ... ``NNN text`` for a multi-line
one, ``100 ...`` interim lines, and unprompted ``HANGUP`` lines at any moment.  Bytes
are decoded once per complete line, as UTF-8 with replacement.  Every limit raises
``AGIProtocolError``, the only exception that leaves this module.
"""

from __future__ import annotations

import re

from xivo.framing import FrameTooLarge, LineBuffer
from xivo_agid.fastagi._environment import parse_environment
from xivo_agid.fastagi._errors import AGIProtocolError
from xivo_agid.fastagi._events import (
    EnvironmentReceived,
    Event,
    HangupReceived,
    InterimReplyReceived,
    ReplyReceived,
    StreamEnded,
    UnexpectedLine,
)
from xivo_agid.fastagi._reply import parse_reply

__all__ = ["FastAGIParser"]

_STATUS = re.compile(r"(\d{3})(-?)")


def _parsed(line: bytes) -> ReplyReceived:
    text = line.decode()
    return ReplyReceived(reply=parse_reply(int(text[:3]), [text]))


_FREQUENT = {
    line: _parsed(line)
    for line in (
        b"200 result=0",
        b"200 result=1",
        b"200 result=-1",
        b"510 Invalid or unknown command",
    )
}
"""The replies to most commands, parsed once (events and replies are immutable)."""


class FastAGIParser:
    """Incremental parser of the server side of a FastAGI connection.

    ``receive_data`` buffers bytes, ``receive_eof`` marks the end of the stream and
    ``next_event`` returns the next event, or None when more bytes are needed.
    """

    def __init__(
        self,
        *,
        max_environment_size: int = 65536,
        max_environment_lines: int = 512,
        max_reply_size: int = 65536,
        max_reply_lines: int = 1000,
    ) -> None:
        self.max_reply_size = max_reply_size
        self.max_reply_lines = max_reply_lines
        self._buffer = LineBuffer(max_environment_size, max_environment_lines)
        self._has_environment = False
        self._partial: list[str] | None = None  # lines of an unfinished multi-line reply
        self._partial_code = 0
        self._partial_size = 0
        self._eof = False
        self._ended = False

    def receive_data(self, data: bytes) -> None:
        """Buffer bytes received from Asterisk (ignored after end of file)."""
        if not self._eof:
            self._buffer.feed(data)

    def receive_eof(self) -> None:
        """The peer closed the connection: ``next_event`` ends with ``StreamEnded``."""
        self._eof = True

    def next_event(self) -> Event | None:
        """Return the next complete event, or None if more data is needed."""
        if self._ended:
            return None
        try:
            event = self._next_environment() if not self._has_environment else self._next_reply()
        except FrameTooLarge as e:
            raise AGIProtocolError(str(e)) from None
        if event is None and self._eof:
            self._ended = True
            incomplete = (
                not self._has_environment or self._partial is not None or self._buffer.pending > 0
            )
            return StreamEnded(incomplete=incomplete)
        return event

    def _next_environment(self) -> Event | None:
        block = self._buffer.next_block()
        if block is None:
            return None
        self._has_environment = True
        self._buffer.max_size = self.max_reply_size
        return EnvironmentReceived(environment=parse_environment(block))

    def _next_reply(self) -> Event | None:
        while (raw := self._buffer.next_line()) is not None:
            if self._partial is None and (frequent := _FREQUENT.get(raw)) is not None:
                return frequent
            if len(raw) > self.max_reply_size:  # LineBuffer caps unfinished lines only
                raise AGIProtocolError(f"reply line longer than {self.max_reply_size} bytes")
            line = raw.decode("utf-8", "replace")
            if line.strip() == "HANGUP":
                return HangupReceived()
            if self._partial is not None:
                event = self._continue_reply(line, len(raw) + 1)
                if event is not None:
                    return event
                continue
            status = _STATUS.match(line)
            if status is None:
                return UnexpectedLine(line=line)
            code = int(status.group(1))
            if status.group(2):
                self._partial, self._partial_code, self._partial_size = [line], code, len(raw)
                continue
            if code < 200:
                return InterimReplyReceived(reply=parse_reply(code, [line]))
            return ReplyReceived(reply=parse_reply(code, [line]))
        return None

    def _continue_reply(self, line: str, size: int) -> Event | None:
        partial = self._partial or []
        partial.append(line)
        self._partial_size += size
        if len(partial) > self.max_reply_lines or self._partial_size > self.max_reply_size:
            raise AGIProtocolError(
                f"multi-line reply over {self.max_reply_lines} lines or {self.max_reply_size} bytes"
            )
        if not line.startswith(f"{self._partial_code} ") and line != str(self._partial_code):
            return None
        self._partial = None
        return ReplyReceived(reply=parse_reply(self._partial_code, partial))
