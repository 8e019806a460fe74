"""Serialise an AMI action, refusing anything that could inject headers or break limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xivo_cti.ami._errors import AMIActionRefused

__all__ = ["MAX_HEADERS", "MAX_LINE", "Headers", "format_action"]

MAX_LINE = 1024  # Asterisk's line buffer: a line, CRLF included, must be shorter
MAX_HEADERS = 128  # Asterisk keeps at most this many lines of one action
_FORBIDDEN = ("\r", "\n", "\0")

Headers = Mapping[str, str] | Sequence[tuple[str, str]]


def format_action(action: str, headers: Headers = ()) -> bytes:
    """Encode ``Action: <action>`` and ``headers`` as one AMI action, CRLF-terminated.

    Raises ``AMIActionRefused`` for a CR, LF or NUL in any key or value, a colon or
    white space in a key, a line of ``MAX_LINE`` bytes or more, or more than
    ``MAX_HEADERS`` lines.  Nothing is returned for a refused action.
    """
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    lines = [("Action", action), *items]
    if len(lines) > MAX_HEADERS:
        raise AMIActionRefused(f"{action!r}: {len(lines)} headers, at most {MAX_HEADERS}")
    out = []
    for key, value in lines:
        if not isinstance(key, str) or not isinstance(value, str):
            raise AMIActionRefused(f"{action!r}: header {key!r} is not a pair of strings")
        if not key or ":" in key or key != key.strip() or " " in key:
            raise AMIActionRefused(f"{action!r}: invalid header name {key!r}")
        for forbidden in _FORBIDDEN:
            if forbidden in key or forbidden in value:
                raise AMIActionRefused(f"{action!r}: header {key!r} holds a CR, LF or NUL")
        line = f"{key}: {value}\r\n".encode()
        if len(line) >= MAX_LINE:
            raise AMIActionRefused(f"{action!r}: header {key!r} longer than {MAX_LINE} bytes")
        out.append(line)
    out.append(b"\r\n")
    return b"".join(out)
