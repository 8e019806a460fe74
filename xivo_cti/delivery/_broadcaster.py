"""Fan-out of pushes to sessions: encoded once, coalesced into one write per client per flush.

``publish(topic, message)`` encodes a message once for its audience (the sessions
following ``topic``) and appends it to the log of the current pass; a
single ``callLater`` then flushes the log: at the end of the reactor pass when the last
flush is at least ``interval`` old, else when it will be.  So an idle server pushes at
once, and a busy one writes to each client at most once per ``interval`` (each write
costs a system call per client: the interval bounds them when AMI events come one read
at a time).  Clients are grouped by the set of topics they follow, so the bytes of one
flush are joined once per group.

A flush only queues each client's bytes; the writes are made under a ``PassBudget`` of
``writes_per_pass`` clients per reactor pass (fewer once ``write_time_per_pass`` seconds
are spent, on a monotonic clock), round-robin (``callLater(0)`` between slices), so that a
flush to a thousand clients never holds the reactor (and the FastAGI sockets sharing
it) for a whole round of system calls.  A client still waiting when the next flush
comes gets both in the same turn, as separate chunks in one write (``write_chunks``:
one send, and the WebSocket listener frames each shared chunk once).  A client that must
send a reply first calls ``catch_up``: its queued bytes and the pushes published before
the reply reach it before the reply (and are not sent twice).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from xivo.passes import PassBudget
from xivo_cti.delivery._session import Encoder, Session

__all__ = ["Broadcaster"]


class Broadcaster:
    """Sessions grouped by the topics they follow (list names); ``encode`` turns a message
    into the bytes every session of the transport expects."""

    def __init__(
        self,
        clock: IReactorTime,
        encode: Encoder,
        interval: float = 0.0,
        writes_per_pass: int = 100,
        write_time_per_pass: float = float("inf"),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._encode = encode
        self._interval = interval
        self._budget = PassBudget(writes_per_pass, write_time_per_pass, now)
        self._last_flush = float("-inf")
        self._topics_of: dict[Session, frozenset[str]] = {}
        self._groups: dict[frozenset[str], dict[Session, None]] = {}
        self._log: list[tuple[str, bytes]] = []
        self._offsets: dict[Session, int] = {}
        self._call: IDelayedCall | None = None
        self._queued: dict[Session, list[bytes]] = {}
        self._turns: deque[Session] = deque()
        self._next_slice: IDelayedCall | None = None

    def join(self, session: Session, topics: Iterable[str]) -> None:
        """Subscribe a client to the topics it is allowed to see (adds to earlier ones); a
        client already following some first gets what was published for them so far."""
        if session in self._topics_of:
            self.catch_up(session)
        old = self._topics_of.get(session, frozenset())
        self._remove(session)
        new = old | frozenset(topics)
        self._topics_of[session] = new
        self._groups.setdefault(new, {})[session] = None
        if self._log:
            self._offsets[session] = len(self._log)

    def leave(self, session: Session) -> None:
        """Forget a client (on disconnect or logout); its unsent pushes are dropped."""
        self._remove(session)
        self._topics_of.pop(session, None)
        self._offsets.pop(session, None)
        self._queued.pop(session, None)

    def _remove(self, session: Session) -> None:
        topics = self._topics_of.get(session)
        if topics is None:
            return
        members = self._groups[topics]
        members.pop(session, None)
        if not members:
            del self._groups[topics]

    def count(self, topic: str) -> int:
        """How many clients follow ``topic``."""
        return sum(len(m) for topics, m in self._groups.items() if topic in topics)

    def publish(self, topic: str, message: dict[str, Any]) -> int:
        """Queue ``message`` (plus ``timenow``) for every client of ``topic``; return how many."""
        sessions = self.count(topic)
        if not sessions:
            return 0
        self._log.append((topic, self._encode({**message, "timenow": self._clock.seconds()})))
        if self._call is None:
            wait = self._last_flush + self._interval - self._clock.seconds()
            self._call = self._clock.callLater(max(0.0, wait), self.flush)
        return sessions

    def catch_up(self, session: Session) -> None:
        """Write to ``session`` now what it has queued and what was published since."""
        chunks = self._queued.pop(session, [])
        topics = self._topics_of.get(session)
        if self._log and topics is not None:
            start = self._offsets.get(session, 0)
            self._offsets[session] = len(self._log)
            chunks.append(b"".join(d for t, d in self._log[start:] if t in topics))
        for chunk in chunks:
            if chunk:
                session.write_encoded(chunk)

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

    def _queue_log(self, log: list[tuple[str, bytes]], offsets: dict[Session, int]) -> None:
        published = {topic for topic, _ in log}
        queued, turns = self._queued, self._turns
        for topics, members in self._groups.items():
            if topics.isdisjoint(published):
                continue
            data = b"".join(d for t, d in log if t in topics)
            for session in members:
                start = offsets.get(session)
                if start is not None:
                    rest = b"".join(d for t, d in log[start:] if t in topics)
                    if not rest:
                        continue
                chunks = queued.get(session)
                if chunks is None:
                    queued[session] = [data if start is None else rest]
                    turns.append(session)
                else:
                    chunks.append(data if start is None else rest)

    def _write_slice(self) -> None:
        """Write to the next clients until the budget is spent; schedule the rest."""
        self._next_slice = None
        queued, turns = self._queued, self._turns

        def write_next() -> bool:  # one client's queued chunks; False when none waits
            while turns:
                session = turns.popleft()
                chunks = queued.pop(session, None)
                if chunks is not None:  # else: left, or caught up meanwhile
                    if len(chunks) == 1:
                        session.write_encoded(chunks[0])
                    else:  # one write, the chunks never copied into one here
                        session.write_chunks(chunks)
                    return True
            return False

        self._budget.run(write_next)
        if turns:
            self._next_slice = self._clock.callLater(0, self._write_slice)
