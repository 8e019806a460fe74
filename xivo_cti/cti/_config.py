"""The ``cti`` configuration section."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from xivo.config import not_negative, port_number, positive
from xivo_cti.users import DEFAULT_PRESENCES, PresenceConfig, check_presences

__all__ = ["DEFAULT_PRESENCES", "TLS_VERSIONS", "CTIConfig", "PresenceConfig", "TLSConfig"]

TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")


def _tls_version(value: str) -> None:
    if value not in TLS_VERSIONS:
        raise ValueError(f"expected one of {list(TLS_VERSIONS)}, got {value!r}")


@dataclass(frozen=True)
class TLSConfig:
    """TLS is on when both a certificate and a key file (PEM) are given.

    ``mode`` ``starttls``: the port speaks plain text and offers STARTTLS (what the XiVO and
    Wazo desktop clients use); ``implicit``: TLS from the first byte.  ``minimum_version``
    below 1.2 is only for old desktop clients (Wazo Client 18.01 speaks TLS 1.0 only).
    """

    certificate: str = ""
    key: str = ""
    mode: Literal["starttls", "implicit"] = "starttls"
    minimum_version: str = field(default="1.2", metadata={"check": _tls_version})

    @property
    def enabled(self) -> bool:
        """True when both files are configured."""
        return bool(self.certificate and self.key)


@dataclass(frozen=True)
class CTIConfig:
    """Where the CTI server listens and the limits it puts on clients."""

    address: str = "127.0.0.1"
    port: int = field(default=5003, metadata={"check": port_number})
    backlog: int = field(default=1024, metadata={"check": positive})
    login_timeout: float = field(default=5.0, metadata={"check": positive})
    failed_login_delay: float = field(default=1.0, metadata={"check": positive})
    tls: TLSConfig = field(default_factory=TLSConfig)
    ipbxid: str = "xivo"
    max_line_length: int = field(default=16384, metadata={"check": positive})
    max_bad_lines: int = field(default=5, metadata={"check": positive})
    output_buffer_limit: int = field(default=1_048_576, metadata={"check": positive})
    max_connections_per_address: int = field(default=50, metadata={"check": positive})
    max_login_failures_per_address: int = field(default=10, metadata={"check": positive})
    login_failure_window: float = field(default=60.0, metadata={"check": positive})
    password_checks: int = field(default=0, metadata={"check": not_negative})
    password_check_queue: int = field(default=1000, metadata={"check": positive})
    login_cache_ttl: float = field(default=600.0, metadata={"check": not_negative})
    originate_timeout: float = field(default=30.0, metadata={"check": positive})
    close_timeout: float = field(default=5.0, metadata={"check": positive})
    push_interval: float = field(default=0.02, metadata={"check": not_negative})
    status_push_interval: float = field(default=0.5, metadata={"check": not_negative})
    writes_per_pass: int = field(default=100, metadata={"check": positive})
    write_time_per_pass: float = field(default=0.001, metadata={"check": positive})
    presences: Mapping[str, PresenceConfig] = field(
        default_factory=lambda: DEFAULT_PRESENCES, metadata={"check": check_presences}
    )
    command_rate: float = field(default=10.0, metadata={"check": positive})
    command_burst: int = field(default=20, metadata={"check": positive})
