"""The ``http`` configuration section: where /metrics and /health are served."""

from __future__ import annotations

from dataclasses import dataclass, field

from xivo.config import port_number, positive

__all__ = ["OpsHTTPConfig"]


@dataclass(frozen=True, kw_only=True)
class OpsHTTPConfig:
    """Where /metrics and /health listen (loopback by default); ``enabled: false`` turns it off."""

    enabled: bool = True
    address: str = "127.0.0.1"
    port: int = field(default=9500, metadata={"check": port_number})
    timeout: float = field(default=10.0, metadata={"check": positive})
    """Seconds a connection has to complete a request, from its opening or last response."""
    max_connections: int = field(default=20, metadata={"check": positive})
    """Connections at once; more are closed at accept."""
