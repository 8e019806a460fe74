"""Assembling xivo-agid: ``AgidApp`` builds its typed parts and wires them, in one place.

``build_agid`` attaches an ``AgidApp`` to the health checks and SIGHUP handler it is
given (so that the combined process shares one HTTP server and one SIGHUP handler);
``makeService`` adds those for a lone xivo-agid.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry
from twisted.application.service import IService, MultiService, Service
from twisted.internet import defer

from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.health import HealthChecks
from xivo.ops.reload import ConfigReader, ReloadService, config_reader
from xivo_agid._reload import AgidReloader
from xivo_agid.config import AgidConfig, load_config
from xivo_agid.directory._service import DirectoryService
from xivo_agid.fastagi import FastAGIFactory, Handler
from xivo_agid.fastagi._listener import WriteThroughServer
from xivo_agid.handlers._callerid_lookup import CallerIdLookup
from xivo_agid.handlers._monitoring import MonitoringHandler
from xivo_agid.metrics import AgidMetrics

__all__ = ["AgidApp", "Options", "build_agid", "makeService"]


class Options(ConfigOptions):
    """Command line of ``twistd xivo-agid``: ``--config FILE``."""

    load_config = staticmethod(load_config)


class AgidApp:
    """The parts of one xivo-agid and how they are wired.

    ``metrics`` (registered on ``registry``), the ``directory`` (sources, lookup, cache),
    the FastAGI ``handlers`` by script name, the ``factory`` and the ``server`` listening
    on ``listen``; ``service`` runs the directory and the server (the server stops
    first, letting calls in flight finish); ``reloader`` is the SIGHUP step.
    """

    def __init__(
        self,
        config: AgidConfig,
        reactor: Any,
        registry: CollectorRegistry | None = None,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.metrics = AgidMetrics(registry)
        self.service = _StopInTurn()
        self.directory = DirectoryService(config, reactor, self.metrics)
        self.directory.setName("directory")
        self.directory.setServiceParent(self.service)
        lookup = CallerIdLookup(self.directory.lookup_service, config.default_country)
        self.handlers: dict[str, Handler] = {
            "monitoring": MonitoringHandler(reactor),
            "callerid_lookup": lookup,
        }
        self.factory = FastAGIFactory(self.handlers, config.fastagi, reactor, self.metrics)
        listen = config.listen
        self.server = WriteThroughServer(
            listen.port,
            self.factory,
            backlog=listen.backlog,
            interface=listen.address,
            reactor=reactor,
            drain=self.factory.stop_serving,
        )
        self.server.setName("fastagi")
        self.server.setServiceParent(self.service)
        self.reloader = AgidReloader(
            config, self.service, self.factory, lookup, self.metrics, reactor, read_config
        )

    def attach(self, checks: HealthChecks, reloader: ReloadService) -> IService:
        """Register the ``directory.<source>`` checks and the SIGHUP step; the service."""
        self.reloader.add_checks(checks)
        reloader.add("xivo-agid", self.reloader.reload)
        return self.service


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


def build_agid(
    config: AgidConfig,
    reactor: Any,
    checks: HealthChecks,
    reloader: ReloadService,
    read_config: ConfigReader | None = None,
    registry: CollectorRegistry | None = None,
) -> IService:
    """The FastAGI server and directories, with health checks and the reload step, their
    metrics on ``registry``."""
    return AgidApp(config, reactor, registry, read_config).attach(checks, reloader)


def makeService(config: AgidConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """The whole xivo-agid daemon: ``build_agid`` plus /metrics, /health and SIGHUP."""
    read_config = config_reader(reactor, load_config, config_path)
    registry = CollectorRegistry()
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_agid(
            config, reactor, checks, reloader, read_config, registry
        ),
        registry=registry,
    )
