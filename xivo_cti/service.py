"""The xivo-ctid daemon: ``CtidApp`` (``xivo_cti.app``) plus operations.

``build_ctid`` builds the app and registers its health check, metrics and SIGHUP step
on the objects it is given (so that the combined process shares one HTTP server, one
metrics registry and one SIGHUP handler); ``makeService`` adds those for a lone
xivo-ctid.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from functools import partial
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
from xivo_cti.state import LiveState
from xivo_cti.users import UserSource, thread_runner, user_source

__all__ = ["CtidReloader", "Options", "build_ctid", "makeService"]

log = Logger(namespace="xivo_cti.service")
LIVE_KEYS = ("ami", "ipbx", "users_file", "users_db")
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
    """The ``CtidApp``, its health checks (``ami`` for the default ipbx, ``ami.ID`` for
    the others), metrics (on ``registry``; a private one if None) and reload step."""
    app = CtidApp(config, reactor, CtidMetrics(registry or CollectorRegistry()), os.environ)
    for ipbx, ami in app.amis.items():
        checks.add(ami.name, partial(_ami_health, ami, app.states[ipbx]))
    reloader.add(
        "xivo-ctid", CtidReloader(config, app.amis, app.reload_users, reactor, read_config).reload
    )
    return app


def _ami_health(ami: AMIClientService, state: LiveState) -> tuple[bool, dict[str, Any]]:
    return bool(ami.connected), {"host": ami.config.host, "port": ami.config.port,
                                 "stale": state.stale}  # fmt: skip


class CtidReloader:
    """The SIGHUP step of xivo-ctid.

    The configuration is read again; if it does not validate the running one is kept.
    Changed ``ami`` settings of an ipbx close its AMI connection and open a new one with
    them (CTI clients stay connected and see the resync; an ipbx added or removed needs a
    restart); a changed ``users_file`` or ``users_db`` takes effect once the new source
    loaded.  The users are always reloaded (by ``reload_users``:
    ``CtidApp.reload_users``).  Other changed keys (``cti``, ``http``) are reported as
    needing a restart.
    """

    def __init__(
        self,
        config: CtidConfig,
        amis: Mapping[str, AMIClientService],
        reload_users: Callable[[UserSource | None], defer.Deferred[None]],
        reactor: Any,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.config = config
        self._amis = amis
        self._reload_users = reload_users
        self._reactor = reactor
        self._read_config = read_config

    def reload(self) -> defer.Deferred[None]:
        """Apply the configuration file again (see the class docstring)."""
        return defer.Deferred.fromCoroutine(self._reload())

    async def _reload(self) -> None:
        new = await reread_config("xivo-ctid", self.config, self._read_config)
        warn_restart("xivo-ctid", self.config, new, LIVE_KEYS)
        old, owned = self.config.owned_ipbx, new.owned_ipbx
        if owned.keys() != old.keys():
            log.warn("xivo-ctid: the ipbx ids changed: restart to apply the ipbx settings")
        else:
            for ipbx, ami in owned.items():
                if ami != old[ipbx]:
                    log.info("AMI settings of {ipbx} changed: reconnecting to {host}:{port}",
                             ipbx=ipbx, host=ami.host, port=ami.port)  # fmt: skip
                    await self._amis[ipbx].reconfigure(ami)
            self.config = dataclasses.replace(self.config, ami=new.ami, ipbx=new.ipbx)
        source = None
        if (new.users_file, new.users_db) != (self.config.users_file, self.config.users_db):
            run = thread_runner(self._reactor, self._reactor.getThreadPool())
            source = user_source(new.users_file, new.users_db, self._reactor, run)
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
