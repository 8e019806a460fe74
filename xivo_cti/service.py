"""Assembling the xivo-ctid service: AMI client, live state, CTI server, operations.

After each AMI login the live state is resynced and the users' features are read back
from the AstDB (``xivo_cti.cti.features.follow_astdb_features``).

``build_ctid`` wires the telephony parts and registers their health checks and
SIGHUP steps on objects it is given (so that the combined process shares one HTTP
server and one SIGHUP handler); ``makeService`` adds those for a lone xivo-ctid.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.service import MultiService
from twisted.internet import defer
from twisted.logger import Logger

from xivo.config import ConfigError
from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.health import HealthChecks
from xivo.ops.reload import ConfigReader, ReloadService, config_reader
from xivo_cti import metrics
from xivo_cti.ami.client import AMIClientService
from xivo_cti.config import CtidConfig, load_config
from xivo_cti.cti.features import follow_astdb_features
from xivo_cti.cti.server import make_cti_service
from xivo_cti.state import LiveState, resync
from xivo_cti.users.factory import InitialLoad, make_user_store
from xivo_cti.users.store import UserStore

__all__ = ["Options", "build_ctid", "makeService"]

log = Logger(namespace="xivo_cti.service")


class Options(ConfigOptions):
    """Command line of ``twistd xivo-ctid``: ``--config FILE``."""

    load_config = staticmethod(load_config)


def _count_event(_message: Any) -> None:
    metrics.AMI_EVENTS.inc()


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
    follow_astdb_features(ami, users, cti.ctx.book)
    cti.setServiceParent(top)

    metrics.bind_gauge(metrics.AMI_CONNECTED, lambda: 1.0 if ami.connected else 0.0)
    metrics.bind_gauge(metrics.AMI_PENDING_ACTIONS, lambda: ami.pending_actions)
    ami_where = {"host": config.ami.host, "port": config.ami.port}
    checks.add("ami", lambda: (bool(ami.connected), {**ami_where, "stale": state.stale}))
    reloader.add("xivo-ctid users", _users_reload(config, users, read_config))
    return top


def _users_reload(
    config: CtidConfig, users: UserStore, read_config: ConfigReader | None
) -> Callable[[], Any]:
    async def step() -> None:
        if read_config is not None:
            try:
                new = await defer.maybeDeferred(read_config)
            except ConfigError as e:
                log.error("xivo-ctid configuration not reloaded, keeping the running one: {e}", e=e)
                return
            if new != config:
                log.warn("xivo-ctid configuration changed: restart to apply it (users reloaded)")
        await users.reload()

    return step


def makeService(config: CtidConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """The whole xivo-ctid daemon: ``build_ctid`` plus /metrics, /health and SIGHUP."""
    read_config = config_reader(reactor, load_config, config_path)
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_ctid(config, reactor, checks, reloader, read_config),
    )
