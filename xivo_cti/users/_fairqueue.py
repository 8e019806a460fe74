"""A bounded queue served round-robin by key (client address), so no key can starve another.

Each key has its own FIFO; ``pop`` takes the head of the next key in turn.  When the queue
is full a new item takes the place of the newest item of the key with the most queued, if
that key has more than the new item's key would: a crowd at one address cannot keep
another address out.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from typing import Generic, TypeVar

__all__ = ["FairQueue", "QueueFull"]

T = TypeVar("T")


class QueueFull(Exception):
    """No room for the item: every key holds as many as the new one would."""


class FairQueue(Generic[T]):
    """At most ``capacity`` items in all, served one key after the other."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._by_key: OrderedDict[str, deque[T]] = OrderedDict()
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, key: str, item: T) -> T | None:
        """Queue ``item`` under ``key``; returns the item evicted to make room, if any.

        Raises ``QueueFull`` when no other key holds more than ``key`` would.
        """
        evicted = None
        if self._size >= self.capacity:
            evicted = self._evict_for(key)
        self._by_key.setdefault(key, deque()).append(item)
        self._size += 1
        return evicted

    def pop(self) -> T | None:
        """The next item in turn, or None when empty."""
        if not self._by_key:
            return None
        key, items = next(iter(self._by_key.items()))
        item = items.popleft()
        self._size -= 1
        if items:
            self._by_key.move_to_end(key)
        else:
            del self._by_key[key]
        return item

    def remove(self, key: str, item: T) -> bool:
        """Take ``item`` out of the queue (its client left); False if it was not queued."""
        items = self._by_key.get(key)
        if items is None or item not in items:
            return False
        items.remove(item)
        self._size -= 1
        if not items:
            del self._by_key[key]
        return True

    def _evict_for(self, key: str) -> T:
        own = len(self._by_key.get(key, ())) + 1
        longest = max(self._by_key, key=lambda k: len(self._by_key[k]), default=None)
        if longest is None or len(self._by_key[longest]) <= own:
            raise QueueFull(key)
        items = self._by_key[longest]
        self._size -= 1
        return items.pop()
