"""The xivo-agid configuration: YAML validated into frozen dataclasses, every key defaulted."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from xivo.config import build, load_config_file, not_negative, port_number, positive
from xivo.ops.config import OpsHTTPConfig
from xivo_agid.directory._settings import CacheConfig, ReverseLookupConfig, build_source_configs

__all__ = [
    "AgidConfig",
    "AgidHTTPConfig",
    "CacheConfig",
    "FastAGIConfig",
    "ListenConfig",
    "ReverseLookupConfig",
    "build_config",
    "load_config",
]

SAMPLE_PHONEBOOK = os.path.join(os.path.dirname(__file__), "data", "phonebook.csv")


def _country_code(value: str) -> None:
    if len(value) != 2 or not value.isalpha() or not value.isupper():
        raise ValueError(f"must be a two-letter upper-case country code, got {value!r}")


@dataclass(frozen=True)
class ListenConfig:
    """Where the FastAGI server listens."""

    address: str = "127.0.0.1"
    port: int = field(default=4573, metadata={"check": port_number})
    backlog: int = field(default=256, metadata={"check": positive})


def _networks(value: tuple[str, ...]) -> None:
    if not value:
        raise ValueError("needs at least one address or network, e.g. [127.0.0.1, '::1']")
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"not an IP address or network: {item!r}") from None


@dataclass(frozen=True)
class FastAGIConfig:
    """Who may connect, and the time and count limits of FastAGI sessions."""

    header_timeout: float = field(default=2.0, metadata={"check": positive})
    """Seconds a new connection has to send its environment block."""
    session_timeout: float = field(default=5.0, metadata={"check": positive})
    """Per-request deadline; then the session is ended cleanly."""
    max_connections: int = field(default=1000, metadata={"check": positive})
    allowed_peers: tuple[str, ...] = field(
        default=("127.0.0.1", "::1"), metadata={"check": _networks}
    )
    """Addresses or networks (``10.0.0.0/24``) Asterisk connects from; others are closed
    at accept."""
    max_connections_per_address: int = field(default=500, metadata={"check": positive})
    drain_timeout: float = field(default=5.0, metadata={"check": not_negative})
    """Seconds a stopping server lets the sessions in flight finish."""


def _default_sources() -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType(
        {
            "phonebook": {
                "type": "csv",
                "file": SAMPLE_PHONEBOOK,
                "first_matched_columns": ["number", "mobile"],
                "format_columns": {"reverse": "{firstname} {lastname}"},
            }
        }
    )


@dataclass(frozen=True, kw_only=True)
class AgidHTTPConfig(OpsHTTPConfig):
    """The ``http`` section of xivo-agid: /metrics and /health (default port 9573)."""

    port: int = field(default=9573, metadata={"check": port_number})


@dataclass(frozen=True)
class AgidConfig:
    """The whole xivo-agid configuration file."""

    listen: ListenConfig = field(default_factory=ListenConfig)
    fastagi: FastAGIConfig = field(default_factory=FastAGIConfig)
    default_country: str = field(default="FR", metadata={"check": _country_code})
    reverse_lookup: ReverseLookupConfig = field(default_factory=ReverseLookupConfig)
    cache: CacheConfig = field(default_factory=CacheConfig)
    sources: dict[str, dict] = field(default_factory=_default_sources)
    """Source name -> settings; each source's settings are validated by its own code."""
    http: AgidHTTPConfig = field(default_factory=AgidHTTPConfig)


def build_config(data: Any) -> AgidConfig:
    """Validate a mapping read from YAML into an ``AgidConfig`` (``ConfigError`` names the key).

    Each source's own keys are checked too (by the directory package, which knows the
    source types), so that nothing starts half-configured.
    """
    config = build(AgidConfig, data)
    build_source_configs(config.sources, config.reverse_lookup.sources)
    return config


def load_config(path: str | None) -> AgidConfig:
    """Read and validate the YAML file at ``path``; None gives the embedded defaults."""
    return load_config_file(path, build_config, AgidConfig)
