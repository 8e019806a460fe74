"""Fan-out of pushes: encoded once, coalesced into one write per client per reactor pass.

``publish`` encodes a message once and appends it to the log of the current pass; a
single ``callLater`` then flushes the pass: at the end of the reactor pass when the last
flush is at least ``interval`` old, else when it will be.  So an idle server pushes at
once, and a busy one writes to each client at most once per ``interval`` (each write
costs a system call per client: the interval bounds them when AMI events come one read
at a time).  Clients are grouped by the set of topics
they follow, so the bytes of one pass are joined once per group and handed to each
member with one ``write_encoded``.  A client that must send a reply in the middle of a
pass first calls ``catch_up`` so that the pushes published before the reply reach it
before the reply (and are not sent twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from xivo_cti.cti.codec import encode

__all__ = ["Broadcaster", "Receiver"]


class Receiver(Protocol):
    """A logged-in client connection."""

    def write_encoded(self, data: bytes) -> None: ...


class Broadcaster:
    """Clients grouped by the topics they follow (list names, or ``presence``)."""

    def __init__(self, clock: Any, interval: float = 0.0) -> None:
        self._clock = clock
        self._interval = interval
        self._last_flush = float("-inf")
        self._topics_of: dict[Receiver, frozenset[str]] = {}
        self._groups: dict[frozenset[str], dict[Receiver, None]] = {}
        self._log: list[tuple[str, bytes]] = []
        self._offsets: dict[Receiver, int] = {}
        self._call: Any = None

    def join(self, receiver: Receiver, topics: Iterable[str]) -> None:
        """Subscribe a client to the topics it is allowed to see (adds to earlier ones)."""
        old = self._topics_of.get(receiver, frozenset())
        self._remove(receiver)
        new = old | frozenset(topics)
        self._topics_of[receiver] = new
        self._groups.setdefault(new, {})[receiver] = None
        if self._log:
            self._offsets[receiver] = len(self._log)

    def leave(self, receiver: Receiver) -> None:
        """Forget a client (on disconnect or logout); its unsent pushes are dropped."""
        self._remove(receiver)
        self._topics_of.pop(receiver, None)
        self._offsets.pop(receiver, None)

    def _remove(self, receiver: Receiver) -> None:
        topics = self._topics_of.get(receiver)
        if topics is None:
            return
        members = self._groups[topics]
        members.pop(receiver, None)
        if not members:
            del self._groups[topics]

    def count(self, topic: str) -> int:
        """How many clients follow ``topic``."""
        return sum(len(m) for topics, m in self._groups.items() if topic in topics)

    def publish(self, topic: str, message: dict[str, Any]) -> int:
        """Queue ``message`` (plus ``timenow``) for every client of ``topic``; return how many."""
        receivers = self.count(topic)
        if not receivers:
            return 0
        self._log.append((topic, encode({**message, "timenow": self._clock.seconds()})))
        if self._call is None:
            wait = self._last_flush + self._interval - self._clock.seconds()
            self._call = self._clock.callLater(max(0.0, wait), self.flush)
        return receivers

    def catch_up(self, receiver: Receiver) -> None:
        """Write to ``receiver`` now what was published for it since the last flush."""
        if not self._log:
            return
        topics = self._topics_of.get(receiver)
        if topics is None:
            return
        start = self._offsets.get(receiver, 0)
        self._offsets[receiver] = len(self._log)
        data = b"".join(d for t, d in self._log[start:] if t in topics)
        if data:
            receiver.write_encoded(data)

    def flush(self) -> None:
        """Write the pushes since the last flush: one join per group, one write per client."""
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        self._last_flush = self._clock.seconds()
        log, self._log = self._log, []
        offsets, self._offsets = self._offsets, {}
        if not log:
            return
        published = {topic for topic, _ in log}
        for topics, members in list(self._groups.items()):
            if topics.isdisjoint(published):
                continue
            data = b"".join(d for t, d in log if t in topics)
            for receiver in list(members):
                start = offsets.get(receiver)
                if start is None:
                    receiver.write_encoded(data)
                else:
                    rest = b"".join(d for t, d in log[start:] if t in topics)
                    if rest:
                        receiver.write_encoded(rest)
