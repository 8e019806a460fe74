"""The environment block Asterisk sends when a FastAGI session starts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import unquote

__all__ = ["AGIEnvironment", "parse_environment"]

_EMPTY: Mapping[str, str] = MappingProxyType({})
# ``agi_<key>: <value>`` lines (white space within a line before ``agi_``); the key
# runs to the first colon.  No nested repeats: linear on any input.
_HEADER = re.compile(r"^[^\S\n]*agi_([^:\n]*):[ ]?([^\n]*)", re.MULTILINE)


@dataclass(frozen=True, kw_only=True)
class AGIEnvironment:
    """The ``agi_*`` headers of one request, with the script, query and arguments split out.

    Values are kept as Asterisk sent them (an unset caller ID stays ``"unknown"``).
    """

    script: str = ""
    query: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    args: tuple[str, ...] = ()
    channel: str = ""
    uniqueid: str = ""
    callerid: str = ""
    calleridname: str = ""
    context: str = ""
    extension: str = ""
    language: str = ""
    headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)


def parse_environment(block: bytes) -> AGIEnvironment:
    """Build the environment from the raw block (its lines separated by LF).

    Bytes are decoded as UTF-8 with replacement (never an error); lines without a colon
    and headers not starting with ``agi_`` are ignored; the first occurrence of a header
    wins.
    """
    # One decode and one regex pass for the whole block (a LF never ends inside a
    # UTF-8 sequence); built from the last line back so that the first occurrence wins.
    found = _HEADER.findall(block.decode("utf-8", "replace"))
    headers = {key.rstrip(): value.rstrip() for key, value in reversed(found)}
    headers.pop("", None)
    script, _, query = headers.get("network_script", "").partition("?")
    args = []
    while (arg := headers.get(f"arg_{len(args) + 1}")) is not None:
        args.append(arg)
    return AGIEnvironment(
        script=script.lstrip("/"),
        query=MappingProxyType(_parse_query(query)),
        args=tuple(args),
        channel=headers.get("channel", ""),
        uniqueid=headers.get("uniqueid", ""),
        callerid=headers.get("callerid", ""),
        calleridname=headers.get("calleridname", ""),
        context=headers.get("context", ""),
        extension=headers.get("extension", ""),
        language=headers.get("language", ""),
        headers=MappingProxyType(headers),
    )


def _parse_query(query: str) -> dict[str, str]:
    """``k=v&k2=v2`` with %-escapes decoded (``+`` stays a plus); the first value wins."""
    result: dict[str, str] = {}
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        result.setdefault(unquote(key), unquote(value))
    return result
