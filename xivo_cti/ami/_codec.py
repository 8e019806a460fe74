"""Sans-IO AMI codec: bytes from Asterisk in, ``Banner`` and ``Message`` values out.

Rules (see ../shared/reference/protocols.md, AMI):

- The first line of the stream is the banner ``Asterisk Call Manager/<version>``; it may be
  glued to the first message in the same read.
- A message is ``Key: Value`` lines ended by an empty line, LF or CRLF.  Headers split on
  the first colon (see ``message.split_headers``); repeated keys are all kept in order.  A
  line without a colon is ignored.
- Bytes are kept until a message is complete, then decoded once (UTF-8, invalid bytes
  replaced).  One message may not exceed ``max_message_size`` bytes nor
  ``max_headers`` lines.
- Asterisk <= 13 answered ``Command`` with ``Response: Follows``, raw text and
  ``--END COMMAND--``: that text becomes one ``Output`` header per line, as Asterisk >= 14
  sends it.  Runs of blank lines inside such output are read as one blank line.  Some
  proxies and other servers send ``Follows`` without the end mark: a ``Follows`` block
  whose lines after the usual response headers all look like headers ends at its blank
  line (a message like any other), and output that has not ended is ended by the next
  block that looks like a message (``Event:`` or ``Response:`` first, every line a
  header), which is then read as one.  Output over ``max_message_size`` is a protocol
  error: nothing is dropped silently.

Only ``AMIProtocolError`` escapes the parser; after it the parser is unusable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from xivo.framing import FrameTooLarge, LineBuffer
from xivo_cti.ami._action import format_action
from xivo_cti.ami._errors import AMIProtocolError
from xivo_cti.ami._message import Message

__all__ = ["AMIParser", "Banner", "format_action"]

_BANNER_MARK = "Call Manager"
_END_COMMAND = "--END COMMAND--"
_FOLLOWS_HEADERS = frozenset({"Response", "Privilege", "ActionID", "Message"})
_HEADER_LINE = re.compile(r"[A-Za-z][\w()/.-]*:(?: |$)")


def _all_headers(lines: list[str]) -> bool:
    return all(_HEADER_LINE.match(line) for line in lines)


def _is_message(text: str) -> bool:
    """Whether a block met inside unfinished output is an AMI message rather than output."""
    return text.startswith(("Event: ", "Response: ")) and _all_headers(text.split("\n"))


@dataclass(frozen=True, kw_only=True, slots=True)
class Banner:
    """The greeting line; ``version`` is the AMI version after the slash (``11.0.0``)."""

    text: str
    version: str


class AMIParser:
    """Incremental AMI parser: ``receive_data`` bytes, then iterate over what completed."""

    def __init__(self, max_message_size: int = 1 << 20, max_headers: int = 65_536) -> None:
        self.max_message_size = max_message_size
        self._buffer = LineBuffer(max_message_size, max_headers)
        self._banner_seen = False
        self._follows: tuple[list[tuple[str, str]], int] | None = None
        self._after_follows: bytes | None = None  # the block that ended unfinished output

    def receive_data(self, data: bytes) -> None:
        """Add bytes read from the connection."""
        self._buffer.feed(data)

    def __iter__(self) -> Iterator[Banner | Message]:
        while (event := self.next_event()) is not None:
            yield event

    def next_event(self) -> Banner | Message | None:
        """The next complete banner or message, or None until more bytes arrive."""
        try:
            if not self._banner_seen:
                return self._read_banner()
            if self._after_follows is not None:
                raw, self._after_follows = self._after_follows, None
                message = self._parse(raw)
                if message is not None:
                    return message
            while True:
                raw = self._buffer.next_block()
                if raw is None:
                    return None
                message = self._parse(raw)
                if message is not None:
                    return message
        except FrameTooLarge as e:
            raise AMIProtocolError(str(e)) from None

    def _read_banner(self) -> Banner | None:
        line = self._buffer.next_line()
        if line is None:
            return None
        text = line.decode("utf-8", "replace").strip()
        if _BANNER_MARK not in text:
            raise AMIProtocolError(f"not an AMI banner: {text[:80]!r}")
        self._banner_seen = True
        return Banner(text=text, version=text.rpartition("/")[2])

    def _parse(self, raw: bytes) -> Message | None:
        text = raw.decode("utf-8", "replace")
        if self._follows is not None or text.startswith("Response: Follows"):
            return self._parse_follows(raw, text)
        if ":" not in text:
            return None  # no header at all
        return Message.from_text(text)

    def _parse_follows(self, raw: bytes, text: str) -> Message | None:
        """Old ``Response: Follows`` command output, possibly spread over several blocks."""
        size = len(raw)
        lines = text.split("\n")
        marked = text.rstrip().endswith(_END_COMMAND)
        if self._follows is None:
            headers: list[tuple[str, str]] = []
            while lines:
                key, sep, value = lines[0].partition(":")
                if not sep or key not in _FOLLOWS_HEADERS:
                    break
                headers.append((key, value[1:] if value[:1] == " " else value))
                lines.pop(0)
            if lines and not marked and _all_headers(lines):
                return Message.from_text(text)  # headers, no raw output: a plain message
        else:
            headers, held = self._follows
            if not marked and _is_message(text):  # the output ended without its mark
                self._follows, self._after_follows = None, raw
                return Message.from_parser(tuple(headers))
            size += held
            headers.append(("Output", ""))  # the blank line that split the blocks
        if size > self.max_message_size:
            raise AMIProtocolError(
                f"Response: Follows output over {self.max_message_size} bytes"
                f" without {_END_COMMAND}"
            )
        done = bool(lines) and lines[-1].rstrip().endswith(_END_COMMAND)
        if done:
            last = lines[-1].rstrip()[: -len(_END_COMMAND)]
            lines[-1:] = [last] if last else []
        headers.extend(("Output", line) for line in lines)
        if not done:
            self._follows = (headers, size)
            return None
        self._follows = None
        return Message.from_parser(tuple(headers))
