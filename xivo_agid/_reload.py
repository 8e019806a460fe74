"""The SIGHUP step of xivo-agid, and the ``directory.<source>`` health checks."""

from __future__ import annotations

import dataclasses
from typing import Any

from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.logger import Logger

from xivo.ops.health import HealthChecks
from xivo.ops.reload import ConfigReader, reread_config, warn_restart
from xivo_agid.config import AgidConfig
from xivo_agid.directory._service import DirectoryService
from xivo_agid.fastagi import FastAGIFactory
from xivo_agid.handlers._callerid_lookup import CallerIdLookup
from xivo_agid.metrics import AgidMetrics

__all__ = ["DIRECTORY_KEYS", "LIVE_KEYS", "AgidReloader"]

log = Logger(namespace="xivo_agid.service")
DIRECTORY_KEYS = ("default_country", "reverse_lookup", "cache", "sources")
"""Configuration keys whose change rebuilds the directories on SIGHUP."""
LIVE_KEYS = (*DIRECTORY_KEYS, "fastagi")
"""Configuration keys a SIGHUP applies at once; the others (ports, http) need a restart."""


class AgidReloader:
    """Applies the configuration file again on SIGHUP.

    If it does not validate, the running one is kept (its ``ConfigError`` is left to
    ``ReloadService`` to log).  Changed ``fastagi`` limits apply to the next
    connections.  If the directory keys changed, new sources are built, started and
    swapped into ``callerid_lookup`` (lookups in flight finish on the old ones, which
    are then stopped); otherwise every source re-reads its data (CSV files).  Other
    changed keys (``listen``, ``http``) are reported as needing a restart.  The
    ``directory.<source>`` health checks follow the sources.
    """

    def __init__(
        self,
        config: AgidConfig,
        parent: MultiService,
        factory: FastAGIFactory,
        handler: CallerIdLookup,
        metrics: AgidMetrics,
        reactor: Any,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.config = config
        self._parent = parent
        self._factory = factory
        self._handler = handler
        self._metrics = metrics
        self._reactor = reactor
        self._read_config = read_config
        self._checks = HealthChecks()
        self.directory: DirectoryService = parent.getServiceNamed("directory")

    def add_checks(self, checks: HealthChecks) -> None:
        """Register (and keep up to date) one ``directory.<source>`` check per source."""
        self._checks = checks
        for source in self.directory.sources:
            checks.add(f"directory.{source.name}", source.health)

    def reload(self) -> defer.Deferred[None]:
        """Apply the configuration file again (see the class docstring)."""
        return defer.Deferred.fromCoroutine(self._reload())

    async def _reload(self) -> None:
        new = await reread_config("xivo-agid", self.config, self._read_config)
        self._apply_fastagi(new)
        if _directory_part(new) != _directory_part(self.config):
            await self._swap(new)
            return
        warn_restart("xivo-agid", self.config, new, LIVE_KEYS)
        reloads = [s.reload() for s in self.directory.sources if hasattr(s, "reload")]
        await defer.gatherResults(reloads, consumeErrors=True)

    def _apply_fastagi(self, new: AgidConfig) -> None:
        if new.fastagi != self.config.fastagi:
            self._factory.config = new.fastagi
            self.config = dataclasses.replace(self.config, fastagi=new.fastagi)
            log.info("xivo-agid FastAGI limits now {limits}", limits=new.fastagi)

    def _swap(self, new: AgidConfig) -> defer.Deferred[Any]:
        directory = DirectoryService(new, self._reactor, self._metrics)
        old = self.directory
        for source in old.sources:
            self._checks.remove(f"directory.{source.name}")
        stopped = old.disownServiceParent()
        directory.setName("directory")
        directory.setServiceParent(self._parent)
        self.directory = directory
        self._handler.lookup = directory.lookup_service
        self._handler.default_country = new.default_country
        self.add_checks(self._checks)
        warn_restart("xivo-agid", self.config, new, LIVE_KEYS)
        self.config = dataclasses.replace(
            self.config, **{k: getattr(new, k) for k in DIRECTORY_KEYS}
        )
        log.info(
            "xivo-agid directories rebuilt: {sources}", sources=[s.name for s in directory.sources]
        )
        return defer.maybeDeferred(lambda: stopped)


def _directory_part(config: AgidConfig) -> tuple:
    return tuple(getattr(config, k) for k in DIRECTORY_KEYS)
