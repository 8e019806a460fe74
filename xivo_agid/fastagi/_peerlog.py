"""Log lines about misbehaving peers, rate-limited across the whole server.

A peer can make every one of its connections misbehave (garbage after the environment,
an oversized line, silence, an address not allowed): one line per connection would let
it fill the disk and spend the reactor's time on logging.  At most ``burst`` such lines
are logged per ``interval`` seconds; those held back are counted and the count is added
to the next line logged.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

__all__ = ["PeerLog"]


class PeerLog:
    """``emit(level, format, **fields)``: ``Logger`` calls, at most ``burst`` per ``interval``."""

    def __init__(
        self, log: Logger, clock: IReactorTime, *, interval: float = 1.0, burst: int = 5
    ) -> None:
        self._log = log
        self._clock = clock
        self.interval = interval
        self.burst = burst
        self._window = float("-inf")
        self._in_window = 0
        self.held_back = 0
        """Lines not logged since the last one that was."""

    def emit(self, level: str, message: str, **fields: object) -> None:
        """Log ``message`` at ``level`` (``info``, ``warn``...) unless over the rate."""
        now = self._clock.seconds()
        if now - self._window >= self.interval:
            self._window, self._in_window = now, 0
        if self._in_window >= self.burst:
            self.held_back += 1
            return
        self._in_window += 1
        if self.held_back:
            message += " ({held_back} similar lines not logged)"
            fields["held_back"], self.held_back = self.held_back, 0
        getattr(self._log, level)(message, **fields)
