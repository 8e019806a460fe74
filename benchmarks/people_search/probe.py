"""Where a search's time goes: the searching client's connection, stamped in the server.

``SearchProbe.attach`` wraps one ``CTIProtocol`` and its TCP transport and stamps each
request (by its ``commandid``) on ``time.monotonic``, the clock the searcher uses too:

- read: the bytes carrying the request handed to the protocol (``dataReceived``);
- handled: the reply handed to the connection's ``send`` (the search done);
- queued: ``send`` returned (pushes caught up, the reply encoded and given to the
  transport or, while the client does not read, queued in the protocol);
- sent: the start of the socket send that carried the reply's last byte.

With the searcher's own send and receive times, ``parts`` splits each search into read
wait (client send -> read: the reactor's turns before the read), handling, reply queued,
reply written (queued -> sent: the reactor's turns before the socket was written) and
reading (sent -> received: the searcher's side).
"""

from __future__ import annotations

import re
import time
from array import array
from collections.abc import Callable
from typing import Any

from benchmarks.cti_fanout.measure import pct

__all__ = ["PARTS", "SearchProbe"]

PARTS = ("read wait", "handling", "reply queued", "reply written", "reading")
_ID = re.compile(rb'"commandid":\s*([0-9]+)')


class SearchProbe:
    """Stamps of the requests and replies of the connections given to ``attach``."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.read: dict[int, float] = {}
        self.handled: dict[int, float] = {}
        self.queued: dict[int, float] = {}
        self.sent: dict[int, float] = {}
        self._written = 0  # bytes handed to the transport so far
        self._sent = 0  # bytes the socket took so far
        self._last_send = 0.0  # when the last send started
        self._waiting: list[tuple[int, int]] = []  # (end offset, id) of replies not yet sent

    def attach(self, conn: Any) -> None:
        """Wrap ``conn`` (a ``CTIProtocol`` on a Twisted TCP transport)."""
        now, transport = self._now, conn.transport
        received, send, write, write_some = (
            conn.dataReceived, conn.send, transport.write, transport.writeSomeData
        )  # fmt: skip

        def timed_received(data: bytes) -> None:
            at = now()
            for match in _ID.finditer(data):
                self.read.setdefault(int(match.group(1)), at)
            received(data)

        def timed_send(message: dict[str, Any]) -> None:
            reply = message.get("replyid")
            if reply is None or message.get("class") != "people_search_result":
                send(message)
                return
            self.handled[reply] = now()
            send(message)
            self.queued[reply] = now()
            end = self._written + conn.queued_size
            if self._sent >= end:  # sent inside send (a transport that writes at once)
                self.sent[reply] = self._last_send
            else:
                self._waiting.append((end, reply))

        def timed_write(data: bytes) -> None:
            self._written += len(data)
            write(data)

        def timed_write_some(data: Any) -> Any:
            at = now()
            sent = write_some(data)
            if isinstance(sent, int) and sent > 0:
                self.sent_bytes(sent, at)
            return sent

        conn.dataReceived, conn.send = timed_received, timed_send
        transport.write, transport.writeSomeData = timed_write, timed_write_some

    def sent_bytes(self, count: int, at: float) -> None:
        """The socket took ``count`` more bytes at ``at``: stamp the replies they completed."""
        self._sent += count
        self._last_send = at
        while self._waiting and self._waiting[0][0] <= self._sent:
            self.sent[self._waiting.pop(0)[1]] = at

    def parts(self, sent: dict[int, float], received: dict[int, float]) -> dict[str, list[float]]:
        """Each part's seconds, over the searches stamped at every step (the searcher's
        ``sent`` and ``received`` times by id)."""
        out: dict[str, list[float]] = {part: [] for part in PARTS}
        steps = (sent, self.read, self.handled, self.queued, self.sent, received)
        for i in sent:
            stamps = [step.get(i) for step in steps]
            if None in stamps:
                continue
            for part, start, end in zip(PARTS, stamps, stamps[1:], strict=False):
                out[part].append(end - start)  # type: ignore[operator]
        return out

    def summary(self, search: dict[str, bytes]) -> list[str]:
        """One line per part: p50, p99, and its mean in the slowest 1% of the searches
        (``search``: the searcher's ids, send times and latencies, as arrays' bytes)."""
        ids, sent_at, took = array("q"), array("d"), array("d")
        for values, key in ((ids, "ids"), (sent_at, "sent_at"), (took, "latencies")):
            values.frombytes(search[key])
        received = {i: at + t for i, at, t in zip(ids, sent_at, took, strict=True)}
        parts = self.parts(dict(zip(ids, sent_at, strict=True)), received)
        total = [sum(values) for values in zip(*parts.values(), strict=True)]
        slow = sorted(range(len(total)), key=total.__getitem__)[-max(1, len(total) // 100) :]
        lines = []
        for part, values in parts.items():
            ordered = sorted(values)
            tail = sum(values[i] for i in slow) / max(len(slow), 1) * 1000
            lines.append(
                f"  {part:<14} p50={pct(ordered, 0.5):6.2f} ms p99={pct(ordered, 0.99):6.2f} ms "
                f"mean in the slowest 1%={tail:6.2f} ms"
            )
        return lines
