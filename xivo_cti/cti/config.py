"""The ``cti`` configuration section."""

from __future__ import annotations

from dataclasses import dataclass, field

from xivo.config import port_number, positive

__all__ = ["CTIConfig", "TLSConfig"]


def not_negative(value: float) -> None:
    """Refuse a negative number of seconds."""
    if value < 0:
        raise ValueError("must be 0 or more")


@dataclass(frozen=True)
class TLSConfig:
    """TLS is on when both a certificate and a key file (PEM) are given."""

    certificate: str = ""
    key: str = ""

    @property
    def enabled(self) -> bool:
        """True when both files are configured."""
        return bool(self.certificate and self.key)


@dataclass(frozen=True)
class CTIConfig:
    """Where the CTI server listens and the limits it puts on clients."""

    address: str = "127.0.0.1"
    port: int = field(default=5003, metadata={"check": port_number})
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
    originate_timeout: float = field(default=30.0, metadata={"check": positive})
    close_timeout: float = field(default=5.0, metadata={"check": positive})
    push_interval: float = field(default=0.02, metadata={"check": not_negative})
    writes_per_pass: int = field(default=100, metadata={"check": positive})
    write_time_per_pass: float = field(default=0.001, metadata={"check": positive})
