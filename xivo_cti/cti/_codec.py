"""Sans-IO codec of the XiVO CTI protocol: one JSON object per LF-terminated line.

``CTIDecoder.feed(bytes)`` returns the messages completed by those bytes: a ``Request``
for each JSON object with a string ``class``, an ``InvalidLine`` for anything else
(bad JSON, a lone surrogate, not an object, no class, line longer than the limit).  An
over-long line is dropped up to its end without being kept in memory.  ``encode`` is the
reverse; it never fails on a lone surrogate in a value (sent as U+FFFD).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["CTIDecoder", "InvalidLine", "Request", "encode"]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# What can make json.loads return a surrogate code point: a \uD800-\uDFFF escape, or the
# UTF-8-like encoding of one (json.loads decodes bytes with "surrogatepass").
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, kw_only=True, slots=True)
class Request:
    """One client message; ``commandid`` is None when absent or not an integer."""

    klass: str
    body: dict[str, Any]
    commandid: int | None


@dataclass(frozen=True, kw_only=True, slots=True)
class InvalidLine:
    """A line that is not a CTI message; ``reason`` is the error_string to send back."""

    reason: str


class CTIDecoder:
    """Bytes in, ``Request``/``InvalidLine`` out; never holds more than ``max_line_length``."""

    def __init__(self, max_line_length: int) -> None:
        self.max_line_length = max_line_length
        self._buf = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[Request | InvalidLine]:
        """Add received bytes; return the messages they complete, in order."""
        out: list[Request | InvalidLine] = []
        start = 0
        while True:
            end = data.find(b"\n", start)
            if end < 0:
                break
            if self._discarding:
                self._discarding = False
            elif len(self._buf) + end - start > self.max_line_length:
                self._buf.clear()
                out.append(InvalidLine(reason="line_too_long"))
            else:
                self._buf += data[start:end]
                line = bytes(self._buf)
                self._buf.clear()
                if line.strip():
                    out.append(decode_line(line))
            start = end + 1
        rest = len(data) - start
        if not self._discarding and rest:
            if len(self._buf) + rest > self.max_line_length:
                self._buf.clear()
                self._discarding = True
                out.append(InvalidLine(reason="line_too_long"))
            else:
                self._buf += data[start:]
        return out


def decode_line(line: bytes) -> Request | InvalidLine:
    """Decode one line (without its LF) into a message."""
    try:
        body = json.loads(line)
    except (ValueError, RecursionError):
        return InvalidLine(reason="invalid_json")
    if _MAYBE_SURROGATE.search(line) and _has_surrogate(body):
        return InvalidLine(reason="invalid_json")  # a lone surrogate is not Unicode text
    if not isinstance(body, dict):
        return InvalidLine(reason="not_an_object")
    klass = body.get("class")
    if not isinstance(klass, str) or not klass:
        return InvalidLine(reason="missing_class")
    commandid = body.get("commandid")
    if not isinstance(commandid, int) or isinstance(commandid, bool):
        commandid = None
    return Request(klass=klass, body=body, commandid=commandid)


def _has_surrogate(body: object) -> bool:
    """True if a string anywhere in the parsed ``body`` holds a surrogate (no recursion)."""
    stack = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def encode(message: dict[str, Any]) -> bytes:
    """One message as a JSON line (UTF-8, LF-terminated); a lone surrogate becomes U+FFFD."""
    text = _encoder.encode(message)
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        data = _SURROGATE.sub("\ufffd", text).encode("utf-8")
    return data + b"\n"
