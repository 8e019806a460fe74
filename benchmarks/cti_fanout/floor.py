"""The floor of the CTI fan-out benchmark: the least a server on our reactor must do.

It takes the same AMI byte stream as xivo-ctid, finds where each event ends (``\\r\\n\\r\\n``)
and parses nothing else; it keeps no telephony state, only the index of the next event.
After each event it publishes the push lines xivo-ctid publishes after the same event
(``stream.push_lines``: the same lines, pre-encoded, only ``timenow`` appended), and
flushes them to every logged-in client with xivo-ctid's coalescing rule: at the end of the
reactor pass when the last flush is at least ``interval`` old, else when it will be.  A
flush is one ``transport.write`` of the joined lines per client, ``writes_per_pass``
clients per reactor pass, round-robin, as xivo-ctid (``callLater(0)`` between slices; a
client not served when the next flush comes gets both in its turn, in one write; 0: all
clients in one pass), on the transport of xivo-ctid's ports (``DirectWriteServer``: a
write with nothing queued is sent at once).  Clients log in with the same three steps
as to xivo-ctid (fixed replies, no password check: the login is over before the
measurement starts), and their sockets have Nagle's algorithm off as xivo-ctid's
(``TCP_NODELAY``): with it on, the kernel holds a small write while an earlier one is
unacknowledged, so the floor sent fewer, later segments than xivo-ctid for the same
writes.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from twisted.internet.protocol import Factory, Protocol

from xivo_cti.cti import encode

__all__ = ["Floor", "FloorFactory"]

_LOGIN_ID = encode({"class": "login_id", "sessionid": "floor", "xivoversion": "2.3"})
_LOGIN_PASS = encode({"class": "login_pass", "capalist": [1]})
_LOGIN_CAPAS = encode({"class": "login_capas", "capaid": 1, "presence": "available"})


class Floor:
    """The AMI side: event boundaries in, pre-encoded push lines out to every client."""

    def __init__(
        self, clock: Any, lines: list[list[bytes]], interval: float, writes_per_pass: int = 0
    ) -> None:
        self._clock = clock
        self._writes_per_pass = writes_per_pass
        self._queued: dict[Any, list[bytes]] = {}
        self._turns: deque[Any] = deque()
        self._slicing = False
        self._lines = lines
        self._interval = interval
        self._next = 0
        self._rest = b""
        self._log: list[bytes] = []
        self._call: Any = None
        self._last_flush = float("-inf")
        self.clients: dict[Any, None] = {}

    def receive(self, data: bytes) -> None:
        """Bytes read from the AMI: publish the pushes of each event they complete."""
        data = self._rest + data
        start = 0
        while (end := data.find(b"\r\n\r\n", start)) >= 0:
            start = end + 4
            prefixes = self._lines[self._next]
            self._next += 1
            if prefixes:
                self._publish(prefixes)
        self._rest = data[start:]

    def _publish(self, prefixes: list[bytes]) -> None:
        now = self._clock.seconds()
        stamp = repr(now).encode() + b"}\n"
        self._log += [prefix + stamp for prefix in prefixes]
        if self._call is None:
            wait = self._last_flush + self._interval - now
            self._call = self._clock.callLater(max(0.0, wait), self._flush)

    def _flush(self) -> None:
        self._call = None
        self._last_flush = self._clock.seconds()
        data = b"".join(self._log)
        self._log = []
        if not self._writes_per_pass:
            for transport in self.clients:
                transport.write(data)
            return
        queued, turns = self._queued, self._turns
        for transport in self.clients:
            chunks = queued.get(transport)
            if chunks is None:
                queued[transport] = [data]
                turns.append(transport)
            else:  # not served since the last flush: both in its next turn
                chunks.append(data)
        if not self._slicing:
            self._write_slice()

    def _write_slice(self) -> None:
        queued, turns = self._queued, self._turns
        for _ in range(min(self._writes_per_pass, len(turns))):
            transport = turns.popleft()
            transport.writeSequence(queued.pop(transport))
        self._slicing = bool(turns)
        if turns:
            self._clock.callLater(0, self._write_slice)


class _Client(Protocol):
    """One client: the three login steps answered, then a receiver of every flush."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.lines = 0

    def connectionMade(self) -> None:
        self.transport.setTcpNoDelay(True)  # as xivo-ctid: each write goes out at once

    def dataReceived(self, data: bytes) -> None:
        before = self.lines
        self.lines += data.count(b"\n")
        if before < 2 <= self.lines:  # login_id and login_pass
            self.transport.write(_LOGIN_ID + _LOGIN_PASS)
        if before < 3 <= self.lines:  # login_capas
            self.transport.write(_LOGIN_CAPAS)
            self.floor.clients[self.transport] = None

    def connectionLost(self, reason: Any = None) -> None:
        self.floor.clients.pop(self.transport, None)


class FloorFactory(Factory):
    """A ``_Client`` per connection, all fed by one ``Floor``."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor

    def buildProtocol(self, addr: Any) -> Protocol:
        return _Client(self.floor)
