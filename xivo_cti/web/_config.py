"""The ``web`` configuration section: the operator panel's own listener (page + WebSocket)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from xivo.config import port_number, positive

__all__ = ["WebConfig"]


def _origins(value: tuple[str, ...]) -> None:
    for origin in value:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{origin!r}: an origin is http(s)://host[:port]")
        if parts.path or parts.query or parts.fragment or parts.username:
            raise ValueError(f"{origin!r}: an origin has no path, query or user")


@dataclass(frozen=True)
class WebConfig:
    """Where the panel is served.  ``tls``: HTTPS and WSS with the certificate and key of
    ``cti.tls``.  A browser's WebSocket is accepted from the page's own origin and from
    ``allowed_origins``; ``max_message`` bounds one client message (bytes of UTF-8)."""

    enabled: bool = False
    address: str = "127.0.0.1"
    port: int = field(default=9480, metadata={"check": port_number})
    tls: bool = False
    allowed_origins: tuple[str, ...] = field(default=(), metadata={"check": _origins})
    max_message: int = field(default=16384, metadata={"check": positive})
    request_timeout: float = field(default=10.0, metadata={"check": positive})
