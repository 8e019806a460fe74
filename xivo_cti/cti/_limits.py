"""Per-address limits: open connections, and failed logins in a sliding window."""

from __future__ import annotations

from collections import deque
from typing import Any

__all__ = ["AddressLimits"]


class AddressLimits:
    """Counts connections and recent login failures per client address."""

    def __init__(
        self, clock: Any, *, max_connections: int, max_failures: int, failure_window: float
    ) -> None:
        self._clock = clock
        self.max_connections = max_connections
        self.max_failures = max_failures
        self.failure_window = failure_window
        self._connections: dict[str, int] = {}
        self._failures: dict[str, deque[float]] = {}

    def connection_opened(self, address: str) -> bool:
        """Count a new connection; False (and not counted) if the address is at its limit."""
        count = self._connections.get(address, 0)
        if count >= self.max_connections:
            return False
        self._connections[address] = count + 1
        return True

    def connection_closed(self, address: str) -> None:
        """Uncount a connection accepted by ``connection_opened``."""
        count = self._connections.get(address, 0) - 1
        if count > 0:
            self._connections[address] = count
        else:
            self._connections.pop(address, None)

    def login_blocked(self, address: str) -> bool:
        """True while the address has too many recent failed logins."""
        failures = self._recent(address)
        return failures is not None and len(failures) >= self.max_failures

    def login_failed(self, address: str) -> float:
        """Record a failed login (or one being checked); returns its stamp."""
        self._recent(address)
        stamp = self._clock.seconds()
        self._failures.setdefault(address, deque()).append(stamp)
        return stamp

    def login_forgiven(self, address: str, stamp: float) -> None:
        """Take back the failure recorded at ``stamp`` (the password was right after all)."""
        failures = self._failures.get(address)
        if failures is not None and stamp in failures:
            failures.remove(stamp)
            if not failures:
                del self._failures[address]

    def _recent(self, address: str) -> deque[float] | None:
        failures = self._failures.get(address)
        if failures is None:
            return None
        horizon = self._clock.seconds() - self.failure_window
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            del self._failures[address]
            return None
        return failures
