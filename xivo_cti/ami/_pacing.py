"""Bounded work per reactor pass for a stream that arrives faster than it is handled.

A busy Asterisk can deliver a 64 KiB read holding about 150 events; handled in one go
(with the live state and the fan-out to every CTI client behind each event), it holds
the reactor, and every other socket of the process (FastAGI in the combined daemon)
waits.  ``ReadPacer`` handles at most ``per_pass`` items per reactor pass, and stops
sooner once ``time_per_pass`` seconds of work are spent (a count alone does not bound
the length of a pass: the cost of one event varies with what it changes and how many
clients see it).  Past either budget it pauses the transport (``pauseProducing``:
nothing more is read) and goes on at the next pass (``callLater(0)``); reading resumes
as soon as the buffer is empty.  The pause lasts one reactor pass per slice, and the
socket buffers in between hold megabytes, so Asterisk's write timeout (100 ms by
default) is not at risk as long as the average rate keeps up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IPushProducer, IReactorTime

from xivo.passes import PassBudget

__all__ = ["ReadPacer"]


class ReadPacer:
    """Calls ``step()`` (True: one item handled, False: nothing left) under a ``PassBudget``
    of ``per_pass`` items and ``time_per_pass`` seconds on ``now`` (a monotonic clock,
    injected by tests)."""

    def __init__(
        self,
        clock: IReactorTime,
        per_pass: int,
        step: Callable[[], bool],
        time_per_pass: float = float("inf"),
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self._budget = PassBudget(per_pass, time_per_pass, now)
        self._step = step
        self._transport: IPushProducer | None = None
        self._paused = False
        self._stopped = False
        self._next: Any = None

    def run(self, transport: IPushProducer) -> None:
        """Handle what is buffered (call after each read); a no-op while a slice waits."""
        self._transport = transport
        if self._next is None and not self._stopped:
            self._slice()

    def stop(self) -> None:
        """Never touch the transport again (the stream is broken and being closed)."""
        self._stopped = True
        if self._next is not None:
            self._next.cancel()
            self._next = None

    def finish(self) -> None:
        """Handle everything left at once, without touching the transport (on loss)."""
        if self._next is not None:
            self._next.cancel()
            self._next = None
        while self._step():
            pass

    def _slice(self) -> None:
        self._next = None
        if not self._budget.run(self._step):  # the buffer ran out first
            if self._stopped:
                return
            if self._paused:
                self._paused = False
                self._transport.resumeProducing()
            return
        if self._stopped:
            return
        if not self._paused:
            self._paused = True
            self._transport.pauseProducing()
        self._next = self.clock.callLater(0, self._slice)
