"""The directory's configuration sections: ``reverse_lookup``, ``cache`` and ``sources``
(each source's settings validated by its type's dataclass).

``xivo_agid.config`` composes them into the whole file and validates the sources when
the file is read (nothing starts half-configured); ``DirectoryService`` takes any
``DirectorySettings`` (an ``AgidConfig``).  This module imports neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from xivo.config import ConfigError, build, not_negative, positive

from ._csv_source import CsvSourceConfig
from ._ldap_source import LdapSourceConfig
from ._pg_source import PostgresSourceConfig
from ._source import SourceConfig

__all__ = [
    "SOURCE_CONFIGS",
    "CacheConfig",
    "DirectorySettings",
    "ReverseLookupConfig",
    "build_source_configs",
]


@dataclass(frozen=True)
class ReverseLookupConfig:
    """Which sources the caller-ID lookup asks, in order of trust, and how long it waits."""

    timeout: float = field(default=0.5, metadata={"check": positive})
    sources: tuple[str, ...] = ("phonebook",)


@dataclass(frozen=True)
class CacheConfig:
    """The lookup result cache."""

    ttl: float = field(default=60.0, metadata={"check": not_negative})
    size: int = field(default=100000, metadata={"check": not_negative})


class DirectorySettings(Protocol):
    """The keys ``DirectoryService`` is built from (an ``AgidConfig`` has them)."""

    @property
    def default_country(self) -> str: ...

    @property
    def reverse_lookup(self) -> ReverseLookupConfig: ...

    @property
    def cache(self) -> CacheConfig: ...

    @property
    def sources(self) -> Mapping[str, Any]: ...


SOURCE_CONFIGS: Mapping[str, type[SourceConfig]] = {
    "csv": CsvSourceConfig,
    "postgresql": PostgresSourceConfig,
    "ldap": LdapSourceConfig,
}
"""Source ``type`` -> its settings dataclass."""

_REQUIRED = {CsvSourceConfig: "file", PostgresSourceConfig: "dsn", LdapSourceConfig: "base_dn"}


def build_source_configs(
    sources: Mapping[str, Any], lookup_order: Sequence[str]
) -> dict[str, SourceConfig]:
    """Validate ``sources`` (name -> raw settings) into per-type settings, and check that
    every name of ``lookup_order`` (``reverse_lookup.sources``) is one of them;
    ``ConfigError`` names the key."""
    result = {}
    for name, raw in sources.items():
        path = f"sources.{name}"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{path}: expected a mapping, got {raw!r}")
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in SOURCE_CONFIGS:
            known = ", ".join(SOURCE_CONFIGS)
            raise ConfigError(f"{path}.type: expected one of {known}, got {kind!r}")
        cfg = build(SOURCE_CONFIGS[kind], dict(raw), path)
        key = _REQUIRED[type(cfg)]
        if not getattr(cfg, key):
            raise ConfigError(f"{path}.{key}: required for type {cfg.type}")
        result[name] = cfg
    for i, name in enumerate(lookup_order):
        if name not in result:
            raise ConfigError(f"reverse_lookup.sources[{i}]: no source named {name!r}")
    return result
