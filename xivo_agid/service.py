"""Assembling the xivo-agid service: handlers, the FastAGI factory, the TCP listener."""

from __future__ import annotations

from typing import Any

from twisted.application.internet import TCPServer
from twisted.application.service import MultiService
from twisted.python import usage

from xivo.config import ConfigError
from xivo_agid.config import AgidConfig, load_config
from xivo_agid.directory.service import DirectoryService
from xivo_agid.fastagi import FastAGIFactory, Handler
from xivo_agid.handlers.callerid_lookup import CallerIdLookup
from xivo_agid.handlers.monitoring import MonitoringHandler

__all__ = ["Options", "build_handlers", "makeService"]


class Options(usage.Options):
    """Command line of ``twistd xivo-agid``; the configuration is loaded and checked here."""

    optParameters = [
        ["config", "c", None, "YAML configuration file (default: embedded defaults)"],
    ]

    def postOptions(self) -> None:
        try:
            self["agid_config"] = load_config(self["config"])
        except ConfigError as e:
            raise usage.UsageError(str(e)) from None


def build_handlers(config: AgidConfig, reactor: Any, parent_service: MultiService) -> dict:
    """Return the FastAGI handler registry, script name -> handler.

    Handlers needing a long-lived resource (a database pool...) attach their own service
    to ``parent_service`` so that it starts and stops with the daemon.
    """
    directory = DirectoryService(config, reactor)
    directory.setName("directory")
    directory.setServiceParent(parent_service)
    handlers: dict[str, Handler] = {
        "monitoring": MonitoringHandler(reactor),
        "callerid_lookup": CallerIdLookup(directory.lookup_service, config.default_country),
    }
    return handlers


def makeService(config: AgidConfig, reactor: Any = None) -> MultiService:
    """Build the xivo-agid service listening on ``config.listen``."""
    if reactor is None:
        from twisted.internet import reactor as global_reactor

        reactor = global_reactor
    service = MultiService()
    factory = FastAGIFactory(build_handlers(config, reactor, service), config.fastagi, reactor)
    listen = config.listen
    server = TCPServer(
        listen.port, factory, backlog=listen.backlog, interface=listen.address, reactor=reactor
    )
    server.setName("fastagi")
    server.setServiceParent(service)
    return service
