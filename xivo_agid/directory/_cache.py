"""A bounded result cache with a time to live, on an injectable clock."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from twisted.internet.interfaces import IReactorTime

__all__ = ["TTLCache"]

V = TypeVar("V")
_MISSING = object()


class TTLCache(Generic[V]):
    """Keep at most ``size`` entries, each for ``ttl`` seconds; the oldest go first.

    A ``size`` or ``ttl`` of 0 turns the cache off.  Values may be None (a cached
    "not found"); ``get`` tells a miss apart by returning ``default``.
    """

    def __init__(self, *, ttl: float, size: int, clock: IReactorTime) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        """Whether anything is ever kept."""
        return self.ttl > 0 and self.size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, default: object = _MISSING) -> V | object:
        """The live value for ``key``, else ``default`` (expired entries are dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return default
        expires, value = entry
        if expires <= self._clock.seconds():
            del self._entries[key]
            return default
        return value

    def put(self, key: str, value: V) -> None:
        """Store ``value`` for ``ttl`` seconds, evicting the oldest entries past ``size``."""
        if not self.enabled:
            return
        self._entries.pop(key, None)
        self._entries[key] = (self._clock.seconds() + self.ttl, value)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
