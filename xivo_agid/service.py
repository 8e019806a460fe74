"""Assembling the xivo-agid service: handlers, FastAGI listener, directories, operations.

``build_agid`` wires the FastAGI server and the directories and registers their health
checks and SIGHUP step on objects it is given (so that the combined process shares one
HTTP server and one SIGHUP handler); ``makeService`` adds those for a lone xivo-agid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from twisted.application.service import MultiService, Service
from twisted.internet import defer
from twisted.logger import Logger

from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.health import HealthChecks
from xivo.ops.reload import (
    ConfigReader,
    ReloadService,
    config_reader,
    reread_config,
    warn_restart,
)
from xivo_agid.config import AgidConfig, load_config
from xivo_agid.directory.service import DirectoryService
from xivo_agid.fastagi import FastAGIFactory, Handler
from xivo_agid.fastagi.listener import WriteThroughServer
from xivo_agid.handlers.callerid_lookup import CallerIdLookup
from xivo_agid.handlers.monitoring import MonitoringHandler

__all__ = ["AgidReloader", "Options", "build_agid", "build_handlers", "makeService"]

log = Logger(namespace="xivo_agid.service")
DIRECTORY_KEYS = ("default_country", "reverse_lookup", "cache", "sources")
"""Configuration keys whose change rebuilds the directories on SIGHUP."""
LIVE_KEYS = (*DIRECTORY_KEYS, "fastagi")
"""Configuration keys a SIGHUP applies at once; the others (ports, http) need a restart."""


class Options(ConfigOptions):
    """Command line of ``twistd xivo-agid``: ``--config FILE``."""

    load_config = staticmethod(load_config)


def build_handlers(config: AgidConfig, reactor: Any, parent_service: MultiService) -> dict:
    """Return the FastAGI handler registry, script name -> handler.

    Handlers needing a long-lived resource (a database pool...) attach their own service
    to ``parent_service`` so that it starts and stops with the daemon; the directories
    are the service named ``directory``.
    """
    directory = DirectoryService(config, reactor)
    directory.setName("directory")
    directory.setServiceParent(parent_service)
    handlers: dict[str, Handler] = {
        "monitoring": MonitoringHandler(reactor),
        "callerid_lookup": CallerIdLookup(directory.lookup_service, config.default_country),
    }
    return handlers


class AgidReloader:
    """The SIGHUP step of xivo-agid, and the ``directory.<source>`` health checks.

    On reload the configuration is read again.  If it does not validate, the running
    one is kept (its ``ConfigError`` is left to ``ReloadService`` to log).  Changed
    ``fastagi`` limits apply to the next connections.  If the
    directory keys changed, new sources are built, started and swapped into
    ``callerid_lookup`` (lookups in flight finish on the old ones, which are then
    stopped); otherwise every source re-reads its data (CSV files).  Other changed keys
    (``listen``, ``http``) are reported as needing a restart.
    """

    def __init__(
        self,
        config: AgidConfig,
        parent: MultiService,
        factory: FastAGIFactory,
        handler: CallerIdLookup,
        checks: HealthChecks,
        reactor: Any,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.config = config
        self._parent = parent
        self._factory = factory
        self._handler = handler
        self._checks = checks
        self._reactor = reactor
        self._read_config = read_config
        self.directory: DirectoryService = parent.getServiceNamed("directory")
        self._add_checks()

    def _add_checks(self) -> None:
        for source in self.directory.sources:
            self._checks.add(f"directory.{source.name}", source.health)

    def reload(self) -> defer.Deferred[None]:
        """Apply the configuration file again (see the class docstring); never fails."""
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
        directory = DirectoryService(new, self._reactor)  # ConfigError: nothing changed
        old = self.directory
        for source in old.sources:
            self._checks.remove(f"directory.{source.name}")
        stopped = old.disownServiceParent()
        directory.setName("directory")
        directory.setServiceParent(self._parent)
        self.directory = directory
        self._handler.lookup = directory.lookup_service
        self._handler.default_country = new.default_country
        self._add_checks()
        warn_restart("xivo-agid", self.config, new, LIVE_KEYS)
        self.config = dataclasses.replace(
            self.config, **{k: getattr(new, k) for k in DIRECTORY_KEYS}
        )
        log.info(
            "xivo-agid directories rebuilt: {sources}", sources=[s.name for s in directory.sources]
        )
        return defer.maybeDeferred(lambda: stopped)


class _StopInTurn(MultiService):
    """Stops the FastAGI server first (it stops accepting, then lets the calls in flight
    finish), then the directories those calls still use."""

    def stopService(self) -> defer.Deferred[None]:
        Service.stopService(self)
        return defer.Deferred.fromCoroutine(self._stop_in_turn())

    async def _stop_in_turn(self) -> None:
        await defer.maybeDeferred(self.getServiceNamed("fastagi").stopService)
        others = [s for s in self if s.name != "fastagi"]
        await defer.gatherResults([defer.maybeDeferred(s.stopService) for s in others])


def _directory_part(config: AgidConfig) -> tuple:
    return tuple(getattr(config, k) for k in DIRECTORY_KEYS)


def build_agid(
    config: AgidConfig,
    reactor: Any,
    checks: HealthChecks,
    reloader: ReloadService,
    read_config: ConfigReader | None = None,
) -> MultiService:
    """The FastAGI server and directories, with health checks and the reload step."""
    top = _StopInTurn()
    handlers = build_handlers(config, reactor, top)
    factory = FastAGIFactory(handlers, config.fastagi, reactor)
    listen = config.listen
    server = WriteThroughServer(
        listen.port,
        factory,
        backlog=listen.backlog,
        interface=listen.address,
        reactor=reactor,
        drain=factory.stop_serving,
    )
    server.setName("fastagi")
    server.setServiceParent(top)
    agid_reloader = AgidReloader(
        config, top, factory, handlers["callerid_lookup"], checks, reactor, read_config
    )
    reloader.add("xivo-agid", agid_reloader.reload)
    return top


def makeService(config: AgidConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """The whole xivo-agid daemon: ``build_agid`` plus /metrics, /health and SIGHUP."""
    read_config = config_reader(reactor, load_config, config_path)
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_agid(config, reactor, checks, reloader, read_config),
    )
