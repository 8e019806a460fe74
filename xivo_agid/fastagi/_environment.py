"""The environment block Asterisk sends when a FastAGI session starts.

Asterisk writes one ``agi_<name>: <value>`` line per header, the value verbatim.  A
header's name runs from ``agi_`` at the start of a line to the first colon; one space
after the colon is the separator, the rest of the line is the value, trailing spaces
included (a CR before the LF is a line end, should a peer send CRLF); the first line of
a name wins.  Other lines are ignored.  The block is decoded once; a header is found in
the text when first asked for (a call needs four or five of the twenty-odd), and the
whole block is split into lines only if every header is wanted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote

__all__ = ["AGIEnvironment", "parse_environment"]

_MISSING = object()


class _once:  # noqa: N801 (used as a decorator)
    """A property computed on first use and kept in the instance's ``__dict__``
    (``functools.cached_property`` without the lock it takes on every miss before
    Python 3.12: a request reads its script once per connection)."""

    def __init__(self, compute: Callable[[Any], Any]) -> None:
        self._compute = compute
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self._name] = self._compute(instance)
        return value


def _value(text: str) -> str:
    return text[1:] if text[:1] == " " else text


class _BlockHeaders(Mapping[str, str]):
    """The headers of one block, read from its text on demand (read-only)."""

    __slots__ = ("_text", "_all")

    def __init__(self, text: str) -> None:
        if "\r" in text:  # CRLF line ends: the framing makes them LF, a direct caller may not
            text = text.replace("\r\n", "\n").removesuffix("\r")
        self._text = "\n" + text  # every header line now starts after a LF
        self._all: dict[str, str] | None = None

    def get(self, key: str, default: object = None) -> str | object:  # type: ignore[override]
        if self._all is not None:
            return self._all.get(key, default)
        if not key or ":" in key or "\n" in key:
            return default
        needle = f"\nagi_{key}:"
        start = self._text.find(needle)  # the first line of that name
        if start < 0:
            return default
        start += len(needle)
        end = self._text.find("\n", start)
        return _value(self._text[start:] if end < 0 else self._text[start:end])

    def __getitem__(self, key: str) -> str:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _MISSING) is not _MISSING

    def _parsed(self) -> dict[str, str]:
        if self._all is None:
            headers: dict[str, str] = {}
            for line in self._text.split("\n"):
                if line.startswith("agi_"):
                    key, colon, value = line[4:].partition(":")
                    if colon and key and key not in headers:
                        headers[key] = _value(value)
            self._all = headers
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._parsed())

    def __len__(self) -> int:
        return len(self._parsed())


class AGIEnvironment:
    """The ``agi_*`` headers of one request (``headers``, names without ``agi_``), with
    the usual ones as attributes and the script, query and arguments split out.

    Values are kept as Asterisk sent them (an unset caller ID stays ``"unknown"``); a
    header that was not sent reads as ``""``.  Read-only.
    """

    __slots__ = ("_headers", "__dict__")  # __dict__ holds the cached properties
    _headers: Mapping[str, str]

    def __init__(self, headers: Mapping[str, str] | None = None) -> None:
        if not isinstance(headers, _BlockHeaders):
            headers = MappingProxyType(dict(headers or {}))
        object.__setattr__(self, "_headers", headers)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"AGIEnvironment is read-only ({name})")

    @property
    def headers(self) -> Mapping[str, str]:
        """Every header, by name without the ``agi_`` prefix."""
        return self._headers

    def _header(self, name: str) -> str:
        return self._headers.get(name, "")  # type: ignore[return-value]

    @_once
    def script(self) -> str:
        """The script of ``agi://host/<script>?<query>``, without a leading slash."""
        return self._header("network_script").partition("?")[0].lstrip("/")

    @_once
    def query(self) -> Mapping[str, str]:
        """``k=v&k2=v2`` after the script, %-decoded (``+`` stays a plus); first value wins."""
        result: dict[str, str] = {}
        for part in self._header("network_script").partition("?")[2].split("&"):
            if part:
                key, _, value = part.partition("=")
                result.setdefault(unquote(key), unquote(value))
        return MappingProxyType(result)

    @_once
    def args(self) -> tuple[str, ...]:
        """``agi_arg_1`` .. ``agi_arg_N``, up to the first one missing."""
        if "arg_1" not in self._headers:
            return ()
        headers = dict(self._headers)  # one pass over the block, however many arguments
        args: list[str] = []
        while (arg := headers.get(f"arg_{len(args) + 1}")) is not None:
            args.append(arg)
        return tuple(args)

    @property
    def channel(self) -> str:
        return self._header("channel")

    @property
    def uniqueid(self) -> str:
        return self._header("uniqueid")

    @property
    def callerid(self) -> str:
        return self._header("callerid")

    @property
    def calleridname(self) -> str:
        return self._header("calleridname")

    @property
    def context(self) -> str:
        return self._header("context")

    @property
    def extension(self) -> str:
        return self._header("extension")

    @property
    def language(self) -> str:
        return self._header("language")


def parse_environment(block: bytes) -> AGIEnvironment:
    """The environment of the raw block (its lines separated by LF).

    Bytes are decoded as UTF-8 with replacement (never an error).
    """
    return AGIEnvironment(_BlockHeaders(block.decode("utf-8", "replace")))
