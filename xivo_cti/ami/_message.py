"""An AMI message: ordered ``Key: Value`` headers, repeated keys kept.

Messages from the parser hold their decoded text and split it into headers only when
something reads them: ``event``, ``response`` and ``action_id`` (all that dispatch needs)
are found by a scan of the text, so a message nobody looks into costs almost nothing.
"""

from __future__ import annotations

__all__ = ["Message", "split_headers"]

_new = object.__new__


def split_headers(text: str) -> tuple[tuple[str, str], ...]:
    """Split message text (LF between lines) into headers.

    Each line splits on its first colon; one space after the colon is dropped, the rest
    of the value is kept as sent; lines without a colon are skipped.
    """
    headers = []
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers.append((key, value[1:] if value[:1] == " " else value))
    return tuple(headers)


def _scan(text: str, key: str) -> str | None:
    """The first value of ``key`` in ``text``, found without splitting every line."""
    head = key + ":"
    if text.startswith(head):
        start = len(head)
    else:
        found = text.find("\n" + head)
        if found < 0:
            return None
        start = found + len(head) + 1
    end = text.find("\n", start)
    value = text[start:] if end < 0 else text[start:end]
    return value[1:] if value[:1] == " " else value


class Message:
    """One AMI response or event, as received; read-only (``headers`` is a property).

    ``headers`` keeps every header in order, including repeated keys (``Output``,
    ``ChanVariable``, ``Variable``); ``get`` returns the first value of a key.  A message
    built from text splits it into headers the first time something reads them (a cache
    of a value derived from the text, never visible as a change).
    """

    __slots__ = ("_first", "_headers", "_text")

    def __init__(self, headers: tuple[tuple[str, str], ...]) -> None:
        self._headers: tuple[tuple[str, str], ...] | None = headers
        self._first: dict[str, str] | None = dict(reversed(headers))
        self._text: str | None = None

    @classmethod
    def from_parser(cls, headers: tuple[tuple[str, str], ...]) -> Message:
        """Build a message from already-split headers."""
        return cls(headers)

    @classmethod
    def from_text(cls, text: str) -> Message:
        """A message whose headers are split from ``text`` when first read (hot path)."""
        message = _new(cls)
        message._headers = message._first = None
        message._text = text
        return message

    def _split(self) -> dict[str, str]:
        headers = split_headers(self._text or "")
        self._headers = headers
        self._first = first = dict(reversed(headers))
        return first

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """Every header, in order."""
        headers = self._headers
        if headers is None:
            self._split()
            headers = self._headers
        return headers  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if type(other) is not Message:
            return NotImplemented
        return self.headers == other.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        return f"Message({self.headers!r})"

    @classmethod
    def of(cls, **headers: str) -> Message:
        """Build a message from keyword headers (for tests and synthetic events)."""
        return cls(tuple(headers.items()))

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of ``key``, or ``default``."""
        first = self._first
        if first is None:
            first = self._split()
        return first.get(key, default)

    def __getitem__(self, key: str) -> str:
        first = self._first
        if first is None:
            first = self._split()
        return first[key]

    def __contains__(self, key: object) -> bool:
        first = self._first
        if first is None:
            first = self._split()
        return key in first

    @property
    def size(self) -> int:
        """About the bytes the message took on the wire (its text, or its header lines)."""
        if self._text is not None:
            return len(self._text)
        return sum(len(key) + len(value) + 4 for key, value in self.headers)

    def get_all(self, key: str) -> list[str]:
        """Every value of ``key``, in order."""
        return [v for k, v in self.headers if k == key]

    def peek(self, key: str) -> str | None:
        """The first value of ``key``, found without splitting the text (for one look)."""
        return self._lookup(key)

    def _lookup(self, key: str) -> str | None:
        first = self._first
        if first is None:
            return _scan(self._text or "", key)
        return first.get(key)

    @property
    def event(self) -> str | None:
        """The event name, or None for a response."""
        return self._lookup("Event")

    @property
    def response(self) -> str | None:
        """``Success``, ``Error``, ``Goodbye``..., or None for an event."""
        return self._lookup("Response")

    @property
    def action_id(self) -> str | None:
        """The ActionID this message answers, if any."""
        return self._lookup("ActionID")
