"""FastAGI replies: `200 result=1 (data) key=value`, 510, 511, one- or multi-line 520."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Reply", "parse_reply"]

_EMPTY: Mapping[str, str] = MappingProxyType({})
_RESULT = re.compile(r"result=(\S*)")
_INTEGER = re.compile(r"-?[0-9]+")
# An attribute value: "double-quoted, \-escaped" or a run without white space or quote.
_VALUE = r'"(?:[^"\\]|\\.)*"|[^\s"]*'
_PAIR = re.compile(rf'([^\s="]+)=({_VALUE})')
_EXTRA = re.compile(rf'(?:\s+[^\s="]+=(?:{_VALUE}))*\s*')
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One reply from Asterisk; ``text`` is the raw line(s), joined with LF.

    ``result`` is the text after ``result=`` as sent (``"1"``, ``"-1"``, the digits of
    ``GET DATA``, ``""`` when none were entered), None when the reply has no ``result=``.
    """

    code: int
    result: str | None = None
    data: str | None = None
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    text: str = ""

    @property
    def ok(self) -> bool:
        """True for a 2xx reply (the command ran)."""
        return 200 <= self.code < 300

    @property
    def number(self) -> int | None:
        """``result`` as an integer, None if it is not one (absent, empty, ``12#``)."""
        result = self.result
        if result is None or not _INTEGER.fullmatch(result):
            return None
        return int(result)


def parse_reply(code: int, lines: list[str]) -> Reply:
    """Parse the decoded line(s) of one reply whose status code is ``code``.

    For 1xx/2xx the first line's ``result=``, the text in parentheses and trailing
    ``key=value`` pairs (a value may be double-quoted, with ``\\`` escapes) are
    extracted; anything unrecognised is left in ``text`` only.  The data runs to the
    last closing parenthesis (a variable's value may hold parentheses), or to the first
    one when only that leaves valid pairs after it (``(speech) ... text0="a) b"``).
    """
    text = "\n".join(lines)
    if code >= 300:
        return Reply(code=code, text=text)
    body = lines[0][4:]
    match = _RESULT.match(body)
    if match is None:
        return Reply(code=code, text=text)
    rest = body[match.end() :]
    data = None
    if rest.startswith(" (") and ")" in rest:
        close = rest.rindex(")")
        if not _EXTRA.fullmatch(rest, close + 1):
            first = rest.index(")")
            if _EXTRA.fullmatch(rest, first + 1):
                close = first
        data, rest = rest[2:close], rest[close + 1 :]
    extra = _EMPTY
    if rest and _EXTRA.fullmatch(rest):
        extra = MappingProxyType({key: _unquoted(value) for key, value in _PAIR.findall(rest)})
    return Reply(code=code, result=match.group(1), data=data, extra=extra, text=text)


def _unquoted(value: str) -> str:
    if value.startswith('"'):
        return _ESCAPE.sub(r"\1", value[1:-1])
    return value
