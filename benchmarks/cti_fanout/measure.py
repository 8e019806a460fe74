"""What the fan-out server itself does during a round: its system calls and its sends.

``ArrivalClock`` stamps a push with the scheduled arrival of the AMI read being handled,
so that every delay below and the client's own figure start at AMI arrival.

``SyscallCount`` attaches ``perf stat`` to the server process for the measured window
and counts its ``sendto`` (one per socket send: Twisted's ``writeSomeData``),
``epoll_ctl`` and ``epoll_wait`` calls in the kernel (no cost in the process; empty
where perf or its syscall tracepoints are unavailable).

``SendSampler`` times the sends of one server connection in ``every``: when the first
bytes of a send were handed to ``transport.write``, when the socket send was made, and
the ``timenow`` (AMI arrival) of the oldest and newest push in the bytes sent.  So the
delay of a push splits into AMI arrival -> ``write`` call (the coalescing wait and the
client's turn in the round), ``write`` -> send (the reactor's write phase), and send ->
receipt (the reader, from the client's own figure).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from array import array
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["ArrivalClock", "SendSampler", "SyscallCount", "pct"]

CALLS = ("sendto", "epoll_ctl", "epoll_wait")
_STAMP = b'"timenow":'
_NUMBER = re.compile(rb"[0-9.]+")


class ArrivalClock:
    """The reactor, except that ``seconds()`` is the arrival time of the batch being handled."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self.arrival: float | None = None

    def seconds(self) -> float:
        return self.arrival if self.arrival is not None else self._reactor.seconds()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reactor, name)


class SyscallCount:
    """``perf stat`` counting this process's system calls between ``start`` and ``stop``."""

    def __init__(self, calls: Iterable[str] = CALLS) -> None:
        self._calls = tuple(calls)
        self._perf: subprocess.Popen | None = None
        self._out = ""

    def start(self) -> None:
        """Attach perf (nothing happens where it is not installed)."""
        perf = shutil.which("perf")
        if perf is None:
            return
        fd, self._out = tempfile.mkstemp(prefix="fanout-perf-")
        os.close(fd)
        events = ",".join(f"syscalls:sys_enter_{c}" for c in self._calls)
        command = [perf, "stat", "-x,", "-o", self._out, "-e", events, "-p", str(os.getpid())]
        self._perf = subprocess.Popen(command, stderr=subprocess.DEVNULL)

    def stop(self) -> dict[str, int]:
        """Detach perf; each call's count (empty if perf could not count them)."""
        if self._perf is None:
            return {}
        self._perf.send_signal(signal.SIGINT)
        self._perf.wait(30)
        with open(self._out) as f:
            text = f.read()
        os.unlink(self._out)
        return parse_perf(text)


def pct(ordered: list[float], p: float) -> float:
    """The ``p`` quantile of sorted seconds, in milliseconds."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def parse_perf(text: str) -> dict[str, int]:
    """The counts of ``perf stat -x,`` output, by call name (``<not supported>`` left out)."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        fields = line.split(",")
        if len(fields) > 2 and fields[2].startswith("syscalls:sys_enter_"):
            if fields[0].isdigit():
                counts[fields[2].removeprefix("syscalls:sys_enter_")] = int(fields[0])
    return counts


class SendSampler:
    """Timestamps of the sends of the connections given to ``sample``."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self.queued = array("d")  # oldest push: AMI arrival -> first write() of the send
        self.to_send = array("d")  # first write() -> the socket send
        self.newest = array("d")  # newest push: AMI arrival -> the socket send

    def sample(self, connection: Any) -> None:
        """Wrap ``connection``'s ``write`` and ``writeSomeData`` (a Twisted TCP transport)."""
        now, write, send = self._now, connection.write, connection.writeSomeData
        first: list[float | None] = [None]

        def timed_write(data: bytes) -> None:
            if first[0] is None:
                first[0] = now()
            write(data)

        def timed_send(data: Any) -> Any:
            sent = send(data)
            at, written, first[0] = now(), first[0], None
            if isinstance(sent, int) and sent > 0 and written is not None:
                self.record(bytes(data[:sent]), written, at)
            return sent

        connection.write = timed_write
        connection.writeSomeData = timed_send

    def summary(self) -> dict[str, list[float]]:
        """p50 and p99 of each delay, in milliseconds."""
        delays = {"queued": self.queued, "to_send": self.to_send, "newest": self.newest}
        return {name: [pct(sorted(v), 0.5), pct(sorted(v), 0.99)] for name, v in delays.items()}

    def record(self, data: bytes, written: float, sent: float) -> None:
        """One send of ``data``, first handed to ``write`` at ``written``, sent at ``sent``."""
        start = data.find(_STAMP)
        if start < 0:
            return
        oldest = _NUMBER.match(data, start + len(_STAMP))
        newest = _NUMBER.match(data, data.rfind(_STAMP) + len(_STAMP))
        if oldest is None or newest is None:
            return
        self.queued.append(written - float(oldest.group()))
        self.to_send.append(sent - written)
        self.newest.append(sent - float(newest.group()))
