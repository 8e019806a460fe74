"""Build the directory sources and the reverse lookup from the xivo-agid configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import DeferredList

from xivo.config import ConfigError, build
from xivo_agid.config import AgidConfig

from .cache import TTLCache
from .csv_source import CsvSource, CsvSourceConfig
from .guard import GuardedSource
from .ldap_source import LdapSource, LdapSourceConfig
from .lookup import ReverseLookupService
from .pg_source import PostgresSource, PostgresSourceConfig
from .source import DirectorySource, SourceConfig

__all__ = ["SOURCE_TYPES", "DirectoryService", "build_source_configs", "validate_sources"]

SourceFactory = Callable[[str, Any, Any, str], DirectorySource]

SOURCE_TYPES: Mapping[str, tuple[type[SourceConfig], SourceFactory]] = {
    "csv": (
        CsvSourceConfig,
        lambda name, cfg, reactor, country: CsvSource(
            name, cfg, reactor=reactor, default_country=country
        ),
    ),
    "postgresql": (
        PostgresSourceConfig,
        lambda name, cfg, reactor, _country: PostgresSource(name, cfg, reactor=reactor),
    ),
    "ldap": (
        LdapSourceConfig,
        lambda name, cfg, reactor, _country: LdapSource(name, cfg, reactor=reactor),
    ),
}
"""Source ``type`` -> (settings dataclass, constructor)."""


def build_source_configs(config: AgidConfig) -> dict[str, SourceConfig]:
    """Validate ``config.sources`` into per-type settings (``ConfigError`` names the key)."""
    result = {}
    for name, raw in config.sources.items():
        path = f"sources.{name}"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{path}: expected a mapping, got {raw!r}")
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in SOURCE_TYPES:
            known = ", ".join(SOURCE_TYPES)
            raise ConfigError(f"{path}.type: expected one of {known}, got {kind!r}")
        cls, _factory = SOURCE_TYPES[kind]
        result[name] = build(cls, dict(raw), path)
        _check_required(result[name], path)
    for i, name in enumerate(config.reverse_lookup.sources):
        if name not in result:
            raise ConfigError(f"reverse_lookup.sources[{i}]: no source named {name!r}")
    return result


def _check_required(cfg: SourceConfig, path: str) -> None:
    required = {CsvSourceConfig: "file", PostgresSourceConfig: "dsn", LdapSourceConfig: "base_dn"}
    key = required[type(cfg)]
    if not getattr(cfg, key):
        raise ConfigError(f"{path}.{key}: required for type {cfg.type}")


def validate_sources(config: AgidConfig) -> None:
    """Check every source's settings without building anything; raises ``ConfigError``."""
    build_source_configs(config)


class DirectoryService(Service):
    """Owns the sources named in ``reverse_lookup.sources`` and the ``lookup_service``.

    ``config`` is an ``AgidConfig``; sources listed under ``sources`` but not in
    ``reverse_lookup.sources`` are validated and otherwise ignored.
    """

    def __init__(self, config: AgidConfig, reactor: Any) -> None:
        configs = build_source_configs(config)
        self.sources: list[DirectorySource] = []
        guarded = []
        for name in config.reverse_lookup.sources:
            cfg = configs[name]
            _cls, factory = SOURCE_TYPES[cfg.type]
            source = factory(name, cfg, reactor, config.default_country)
            self.sources.append(source)
            # A batching source (postgresql) takes more lookups at once than its setting.
            concurrency = getattr(source, "max_in_flight", cfg.concurrency)
            # A source timeout not shorter than the whole lookup's deadline would never
            # fire first (the deadline cancels the source and counts its timeout): no timer.
            timeout = cfg.timeout if cfg.timeout < config.reverse_lookup.timeout else None
            guarded.append(
                GuardedSource(source, timeout=timeout, concurrency=concurrency, clock=reactor)
            )
        cache: TTLCache = TTLCache(ttl=config.cache.ttl, size=config.cache.size, clock=reactor)
        self.lookup_service = ReverseLookupService(
            guarded, timeout=config.reverse_lookup.timeout, cache=cache, clock=reactor
        )

    def startService(self) -> None:
        """Start every source (loading files, opening pools)."""
        super().startService()
        for source in self.sources:
            source.startService()

    def stopService(self) -> Any:
        """Stop every source; fires when all have stopped."""
        super().stopService()
        results = [source.stopService() for source in self.sources]
        return DeferredList([d for d in results if d is not None])
