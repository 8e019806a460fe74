"""The xivo-ctid daemon: ``CtidApp`` (``xivo_cti.app``) plus operations.

``build_ctid`` builds the app and registers its health check, metrics and SIGHUP step
on the objects it is given (so that the combined process shares one HTTP server, one
metrics registry and one SIGHUP handler); ``makeService`` adds those for a lone
xivo-ctid.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry
from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.logger import Logger

from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.health import HealthChecks
from xivo.ops.reload import ConfigReader, ReloadService, config_reader, reread_config, warn_restart
from xivo_cti.ami import AMIClientService
from xivo_cti.app import CtidApp
from xivo_cti.config import CtidConfig, load_config
from xivo_cti.metrics import CtidMetrics
from xivo_cti.users import UserSource, thread_runner, user_source

__all__ = ["CtidReloader", "Options", "build_ctid", "makeService"]

log = Logger(namespace="xivo_cti.service")
LIVE_KEYS = ("ami", "users_file", "users_db")
"""Configuration keys a SIGHUP applies at once; the others need a restart."""


class Options(ConfigOptions):
    """Command line of ``twistd xivo-ctid``: ``--config FILE``."""

    load_config = staticmethod(load_config)


def build_ctid(
    config: CtidConfig,
    reactor: Any,
    checks: HealthChecks,
    reloader: ReloadService,
    read_config: ConfigReader | None = None,
    registry: CollectorRegistry | None = None,
) -> CtidApp:
    """The ``CtidApp``, its health check, metrics (on ``registry``; a private
    one if None) and reload step."""
    app = CtidApp(config, reactor, CtidMetrics(registry or CollectorRegistry()), os.environ)
    ami, state = app.ami, app.state
    checks.add(
        "ami",
        lambda: (bool(ami.connected), {"host": ami.config.host, "port": ami.config.port,
                                       "stale": state.stale}),
    )  # fmt: skip
    reloader.add(
        "xivo-ctid", CtidReloader(config, ami, app.reload_users, reactor, read_config).reload
    )
    return app


class CtidReloader:
    """The SIGHUP step of xivo-ctid.

    The configuration is read again; if it does not validate the running one is kept.
    Changed ``ami`` settings close the AMI connection and open a new one with them (CTI
    clients stay connected and see the resync); a changed ``users_file`` or ``users_db``
    takes effect once the new source loaded.  The users are always reloaded (by
    ``reload_users``: ``CtidApp.reload_users``).  Other changed keys (``cti``, ``http``)
    are reported as needing a restart.
    """

    def __init__(
        self,
        config: CtidConfig,
        ami: AMIClientService,
        reload_users: Callable[[UserSource | None], defer.Deferred[None]],
        reactor: Any,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.config = config
        self._ami = ami
        self._reload_users = reload_users
        self._reactor = reactor
        self._read_config = read_config

    def reload(self) -> defer.Deferred[None]:
        """Apply the configuration file again (see the class docstring)."""
        return defer.Deferred.fromCoroutine(self._reload())

    async def _reload(self) -> None:
        new = await reread_config("xivo-ctid", self.config, self._read_config)
        warn_restart("xivo-ctid", self.config, new, LIVE_KEYS)
        if new.ami != self.config.ami:
            log.info("AMI settings changed: reconnecting to {host}:{port}", host=new.ami.host,
                     port=new.ami.port)  # fmt: skip
            await self._ami.reconfigure(new.ami)
        source = None
        if (new.users_file, new.users_db) != (self.config.users_file, self.config.users_db):
            run = thread_runner(self._reactor, self._reactor.getThreadPool())
            source = user_source(new.users_file, new.users_db, self._reactor, run)
        self.config = dataclasses.replace(self.config, ami=new.ami)
        await self._reload_users(source)
        self.config = dataclasses.replace(
            self.config, users_file=new.users_file, users_db=new.users_db
        )


def makeService(config: CtidConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """The whole xivo-ctid daemon: ``build_ctid`` plus /metrics, /health and SIGHUP."""
    read_config = config_reader(reactor, load_config, config_path)
    registry = CollectorRegistry()
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_ctid(
            config, reactor, checks, reloader, read_config, registry
        ),
        registry=registry,
    )
