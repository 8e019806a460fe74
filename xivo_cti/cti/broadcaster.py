"""Fan-out of pushes: encoded once, coalesced into one write per client per flush.

``publish`` encodes a message once and appends it to the log of the current pass; a
single ``callLater`` then flushes the log: at the end of the reactor pass when the last
flush is at least ``interval`` old, else when it will be.  So an idle server pushes at
once, and a busy one writes to each client at most once per ``interval`` (each write
costs a system call per client: the interval bounds them when AMI events come one read
at a time).  Clients are grouped by the set of topics they follow, so the bytes of one
flush are joined once per group.

A flush only queues each client's bytes; the writes are made ``writes_per_pass``
clients per reactor pass (fewer once ``write_time_per_pass`` seconds are spent, on a
monotonic clock), round-robin (``callLater(0)`` between slices), so that a
flush to a thousand clients never holds the reactor (and the FastAGI sockets sharing
it) for a whole round of system calls.  A client still waiting when the next flush
comes gets both in the same turn, as separate chunks (a slow client's backlog is
never copied into one).  A client that must send a reply first calls ``catch_up``:
its queued bytes and the pushes published before the reply reach it before the reply
(and are not sent twice).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from xivo_cti.cti.codec import encode

__all__ = ["Broadcaster", "Receiver"]


class Receiver(Protocol):
    """A logged-in client connection."""

    def write_encoded(self, data: bytes) -> None: ...


class Broadcaster:
    """Clients grouped by the topics they follow (list names, or ``presence``)."""

    def __init__(
        self,
        clock: Any,
        interval: float = 0.0,
        writes_per_pass: int = 100,
        write_time_per_pass: float = float("inf"),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._interval = interval
        self._writes_per_pass = writes_per_pass
        self._write_time_per_pass = write_time_per_pass
        self._now = now
        self._last_flush = float("-inf")
        self._topics_of: dict[Receiver, frozenset[str]] = {}
        self._groups: dict[frozenset[str], dict[Receiver, None]] = {}
        self._log: list[tuple[str, bytes]] = []
        self._offsets: dict[Receiver, int] = {}
        self._call: Any = None
        self._queued: dict[Receiver, list[bytes]] = {}
        self._turns: deque[Receiver] = deque()
        self._next_slice: Any = None

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
        self._queued.pop(receiver, None)

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
        """Write to ``receiver`` now what it has queued and what was published since."""
        chunks = self._queued.pop(receiver, [])
        topics = self._topics_of.get(receiver)
        if self._log and topics is not None:
            start = self._offsets.get(receiver, 0)
            self._offsets[receiver] = len(self._log)
            chunks.append(b"".join(d for t, d in self._log[start:] if t in topics))
        for chunk in chunks:
            if chunk:
                receiver.write_encoded(chunk)

    def flush(self) -> None:
        """Queue the pushes since the last flush (one join per group), then write a slice."""
        if self._call is not None and self._call.active():
            self._call.cancel()
        self._call = None
        self._last_flush = self._clock.seconds()
        log, self._log = self._log, []
        offsets, self._offsets = self._offsets, {}
        if log:
            self._queue_log(log, offsets)
        if self._next_slice is None:
            self._write_slice()

    def _queue_log(self, log: list[tuple[str, bytes]], offsets: dict[Receiver, int]) -> None:
        published = {topic for topic, _ in log}
        queued, turns = self._queued, self._turns
        for topics, members in self._groups.items():
            if topics.isdisjoint(published):
                continue
            data = b"".join(d for t, d in log if t in topics)
            for receiver in members:
                start = offsets.get(receiver)
                if start is not None:
                    rest = b"".join(d for t, d in log[start:] if t in topics)
                    if not rest:
                        continue
                chunks = queued.get(receiver)
                if chunks is None:
                    queued[receiver] = [data if start is None else rest]
                    turns.append(receiver)
                else:
                    chunks.append(data if start is None else rest)

    def _write_slice(self) -> None:
        """Write to the next clients until a budget is spent; schedule the rest."""
        self._next_slice = None
        queued, turns, now = self._queued, self._turns, self._now
        budget = self._writes_per_pass
        deadline = now() + self._write_time_per_pass
        while turns and budget:
            receiver = turns.popleft()
            chunks = queued.pop(receiver, None)
            if chunks is not None:  # else: left, or caught up meanwhile
                for chunk in chunks:  # never joined: a slow client's backlog can be large
                    receiver.write_encoded(chunk)
                budget -= 1
                if now() >= deadline:
                    break
        if turns:
            self._next_slice = self._clock.callLater(0, self._write_slice)
