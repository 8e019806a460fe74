"""Fan-out of pushes: each message is JSON-encoded once for every client that gets it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from xivo_cti.cti.codec import encode

__all__ = ["Broadcaster", "Receiver"]


class Receiver(Protocol):
    """A logged-in client connection."""

    def write_encoded(self, data: bytes) -> None: ...


class Broadcaster:
    """Clients grouped by topic (a list name, or ``presence``); ``publish`` encodes once."""

    def __init__(self, clock: Any) -> None:
        self._clock = clock
        self._topics: dict[str, set[Receiver]] = {}

    def join(self, receiver: Receiver, topics: Iterable[str]) -> None:
        """Subscribe a client to the topics it is allowed to see."""
        for topic in topics:
            self._topics.setdefault(topic, set()).add(receiver)

    def leave(self, receiver: Receiver) -> None:
        """Forget a client (on disconnect or logout)."""
        for members in self._topics.values():
            members.discard(receiver)

    def count(self, topic: str) -> int:
        """How many clients follow ``topic``."""
        return len(self._topics.get(topic, ()))

    def publish(self, topic: str, message: dict[str, Any]) -> int:
        """Send ``message`` (plus ``timenow``) to every client of ``topic``; return how many."""
        members = self._topics.get(topic)
        if not members:
            return 0
        data = encode({**message, "timenow": self._clock.seconds()})
        for receiver in list(members):
            receiver.write_encoded(data)
        return len(members)
