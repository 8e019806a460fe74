"""Assembling the xivo-ctid service: AMI client, live state, CTI server, operations.

After each AMI login the live state is resynced and the users' features are read back
from the AstDB (``xivo_cti.cti.features.follow_astdb_features``).

``build_ctid`` wires the telephony parts and registers their health checks and
SIGHUP steps on objects it is given (so that the combined process shares one HTTP
server and one SIGHUP handler); ``makeService`` adds those for a lone xivo-ctid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.logger import Logger

from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.health import HealthChecks
from xivo.ops.reload import ConfigReader, ReloadService, config_reader, reread_config, warn_restart
from xivo_cti import metrics
from xivo_cti.ami.client import AMIClientService
from xivo_cti.config import CtidConfig, load_config
from xivo_cti.cti.features import follow_astdb_features
from xivo_cti.cti.server import make_cti_service
from xivo_cti.state import LiveState, resync
from xivo_cti.users.factory import InitialLoad, make_user_store, user_source
from xivo_cti.users.store import UserStore, thread_runner

__all__ = ["CtidReloader", "Options", "build_ctid", "makeService"]

log = Logger(namespace="xivo_cti.service")
LIVE_KEYS = ("ami", "users_file", "users_db")
"""Configuration keys a SIGHUP applies at once; the others need a restart."""


class Options(ConfigOptions):
    """Command line of ``twistd xivo-ctid``: ``--config FILE``."""

    load_config = staticmethod(load_config)


def _count_event(_message: Any) -> None:
    metrics.AMI_EVENTS.inc()


def _ami_detail(ami: AMIClientService, state: LiveState) -> dict[str, Any]:
    return {"host": ami.config.host, "port": ami.config.port, "stale": state.stale}


def build_ctid(
    config: CtidConfig,
    reactor: Any,
    checks: HealthChecks,
    reloader: ReloadService,
    read_config: ConfigReader | None = None,
) -> MultiService:
    """The AMI client, live state and CTI server, with health checks and reload steps."""
    top = MultiService()
    state = LiveState(reactor)
    ami = AMIClientService(
        reactor, config.ami, on_connected=lambda proto: resync(proto, state, clock=reactor)
    )
    ami.add_event_listener(state.handle_event)
    ami.add_event_listener(_count_event)
    ami.setName("ami")
    ami.setServiceParent(top)
    users = make_user_store(config.users_file, config.users_db, reactor)
    if config.users_db.dsn:
        InitialLoad(users, reactor).setServiceParent(top)
    cti = make_cti_service(config.cti, ami=ami, state=state, users=users, reactor=reactor)
    cti.setName("cti")
    follow_astdb_features(ami, users, cti.ctx.book, reactor)
    cti.setServiceParent(top)

    metrics.bind_gauge(metrics.AMI_CONNECTED, lambda: 1.0 if ami.connected else 0.0)
    metrics.bind_gauge(metrics.AMI_PENDING_ACTIONS, lambda: ami.pending_actions)
    checks.add("ami", lambda: (bool(ami.connected), _ami_detail(ami, state)))
    reloader.add("xivo-ctid", CtidReloader(config, ami, users, reactor, read_config).reload)
    return top


class CtidReloader:
    """The SIGHUP step of xivo-ctid.

    The configuration is read again; if it does not validate the running one is kept.
    Changed ``ami`` settings close the AMI connection and open a new one with them (CTI
    clients stay connected and see the resync); a changed ``users_file`` or ``users_db``
    takes effect once the new source loaded.  The users are always reloaded.  Other
    changed keys (``cti``, ``http``) are reported as needing a restart.
    """

    def __init__(
        self,
        config: CtidConfig,
        ami: AMIClientService,
        users: UserStore,
        reactor: Any,
        read_config: ConfigReader | None = None,
    ) -> None:
        self.config = config
        self._ami = ami
        self._users = users
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
        await self._users.reload(source)
        self.config = dataclasses.replace(
            self.config, users_file=new.users_file, users_db=new.users_db
        )


def makeService(config: CtidConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """The whole xivo-ctid daemon: ``build_ctid`` plus /metrics, /health and SIGHUP."""
    read_config = config_reader(reactor, load_config, config_path)
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_ctid(config, reactor, checks, reloader, read_config),
    )
