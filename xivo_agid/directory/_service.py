"""Build the directory sources and the reverse lookup from the xivo-agid configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import DeferredList

from xivo_agid.metrics import AgidMetrics

from ._cache import TTLCache
from ._csv_source import CsvSource
from ._guard import GuardedSource
from ._ldap_source import LdapSource
from ._lookup import ReverseLookupService
from ._pg_source import PostgresSource
from ._settings import DirectorySettings, build_source_configs
from ._source import DirectorySource

__all__ = ["SOURCE_FACTORIES", "DirectoryService"]

SourceFactory = Callable[[str, Any, Any, str], DirectorySource]

SOURCE_FACTORIES: Mapping[str, SourceFactory] = {
    "csv": lambda name, cfg, reactor, country: CsvSource(
        name, cfg, reactor=reactor, default_country=country
    ),
    "postgresql": lambda name, cfg, reactor, _country: PostgresSource(name, cfg, reactor=reactor),
    "ldap": lambda name, cfg, reactor, _country: LdapSource(name, cfg, reactor=reactor),
}
"""Source ``type`` -> its constructor (the settings are ``_settings.SOURCE_CONFIGS``)."""


class DirectoryService(Service):
    """Owns the sources named in ``reverse_lookup.sources`` and the ``lookup_service``.

    ``config`` is an ``AgidConfig`` (any ``DirectorySettings``); sources listed under
    ``sources`` but not in ``reverse_lookup.sources`` are validated and otherwise ignored.
    """

    def __init__(self, config: DirectorySettings, reactor: Any, metrics: AgidMetrics) -> None:
        configs = build_source_configs(config.sources, config.reverse_lookup.sources)
        self.sources: list[DirectorySource] = []
        guarded = []
        for name in config.reverse_lookup.sources:
            cfg = configs[name]
            factory = SOURCE_FACTORIES[cfg.type]
            source = factory(name, cfg, reactor, config.default_country)
            self.sources.append(source)
            # A batching source (postgresql) takes more lookups at once than its setting.
            concurrency = getattr(source, "max_in_flight", cfg.concurrency)
            # A source timeout not shorter than the whole lookup's deadline would never
            # fire first (the deadline cancels the source and counts its timeout): no timer.
            timeout = cfg.timeout if cfg.timeout < config.reverse_lookup.timeout else None
            guarded.append(
                GuardedSource(
                    source,
                    timeout=timeout,
                    concurrency=concurrency,
                    clock=reactor,
                    number_format=source.number_format,
                )
            )
        cache: TTLCache = TTLCache(ttl=config.cache.ttl, size=config.cache.size, clock=reactor)
        self.lookup_service = ReverseLookupService(
            guarded,
            timeout=config.reverse_lookup.timeout,
            cache=cache,
            clock=reactor,
            metrics=metrics,
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
