"""FastAGI replies: `200 result=1 (data) key=value`, 510, 511, one- or multi-line 520."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Reply", "parse_reply"]

_EMPTY: Mapping[str, str] = MappingProxyType({})
_RESULT = re.compile(r"result=(-?\d+)")
_EXTRA = re.compile(r"(?:\s+[^\s=]+=\S*)*\s*")
_PAIR = re.compile(r"([^\s=]+)=(\S*)")


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One reply from Asterisk; ``text`` is the raw line(s), joined with LF."""

    code: int
    result: int | None = None
    data: str | None = None
    extra: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    text: str = ""

    @property
    def ok(self) -> bool:
        """True for a 2xx reply (the command ran)."""
        return 200 <= self.code < 300


def parse_reply(code: int, lines: list[str]) -> Reply:
    """Parse the decoded line(s) of one reply whose status code is ``code``.

    For 1xx/2xx the first line's ``result=N``, the text in parentheses (up to the last
    closing parenthesis, so the data may itself hold parentheses) and trailing
    ``key=value`` pairs are extracted; anything unrecognised is left in ``text`` only.
    """
    text = "\n".join(lines)
    if code >= 300:
        return Reply(code=code, text=text)
    body = lines[0][4:]
    match = _RESULT.match(body)
    if match is None:
        return Reply(code=code, text=text)
    result = int(match.group(1))
    rest = body[match.end() :]
    data = None
    if rest.startswith(" (") and ")" in rest:
        close = rest.rindex(")")
        data, rest = rest[2:close], rest[close + 1 :]
    extra = _EMPTY
    if rest and _EXTRA.fullmatch(rest):
        extra = MappingProxyType(dict(_PAIR.findall(rest)))
    return Reply(code=code, result=result, data=data, extra=extra, text=text)
