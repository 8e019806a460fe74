"""An AMI message: ordered ``Key: Value`` headers, repeated keys kept."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Message:
    """One AMI response or event, as received.

    ``headers`` keeps every header in order, including repeated keys (``Output``,
    ``ChanVariable``, ``Variable``); ``get`` returns the first value of a key.
    """

    headers: tuple[tuple[str, str], ...]
    _first: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        first: dict[str, str] = {}
        for key, value in self.headers:
            first.setdefault(key, value)
        object.__setattr__(self, "_first", first)

    @classmethod
    def of(cls, **headers: str) -> Message:
        """Build a message from keyword headers (for tests and synthetic events)."""
        return cls(tuple(headers.items()))

    def get(self, key: str, default: str | None = None) -> str | None:
        """The first value of ``key``, or ``default``."""
        return self._first.get(key, default)

    def __getitem__(self, key: str) -> str:
        return self._first[key]

    def __contains__(self, key: object) -> bool:
        return key in self._first

    def get_all(self, key: str) -> list[str]:
        """Every value of ``key``, in order."""
        return [v for k, v in self.headers if k == key]

    @property
    def event(self) -> str | None:
        """The event name, or None for a response."""
        return self._first.get("Event")

    @property
    def response(self) -> str | None:
        """``Success``, ``Error``, ``Goodbye``..., or None for an event."""
        return self._first.get("Response")

    @property
    def action_id(self) -> str | None:
        """The ActionID this message answers, if any."""
        return self._first.get("ActionID")
