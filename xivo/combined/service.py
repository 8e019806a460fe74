"""The combined process: xivo-agid and xivo-ctid services on one reactor.

FastAGI starts first; both sides register their health checks on one ``/health``,
their metrics on one ``/metrics`` (one HTTP server, the ``http`` key) and their
reload steps on one SIGHUP handler.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import MultiService
from twisted.python import usage

from xivo.combined.config import XivoConfig, load_config
from xivo.config import ConfigError
from xivo.ops.health import HealthChecks
from xivo.ops.http import make_ops_service
from xivo.ops.reload import ReloadService
from xivo_agid.service import build_agid
from xivo_cti.service import build_ctid

__all__ = ["Options", "makeService"]


class Options(usage.Options):
    """Command line of ``twistd xivo``; one YAML file holds both daemons' keys."""

    optParameters = [
        ["config", "c", None, "YAML configuration file (default: embedded defaults)"],
    ]

    def postOptions(self) -> None:
        try:
            self["xivo_config"] = load_config(self["config"])
        except ConfigError as e:
            raise usage.UsageError(str(e)) from None


def makeService(config: XivoConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """Both daemons, one /metrics + /health server, one SIGHUP handler."""
    top = MultiService()
    checks = HealthChecks()
    reloader = ReloadService(reactor)
    read_agid = (lambda: load_config(config_path).agid) if config_path else None
    build_agid(config.agid, reactor, checks, reloader, read_agid).setServiceParent(top)
    read_ctid = (lambda: load_config(config_path).ctid) if config_path else None
    build_ctid(config.ctid, reactor, checks, reloader, read_ctid).setServiceParent(top)
    make_ops_service(config.http, checks, reactor).setServiceParent(top)
    reloader.setServiceParent(top)
    return top
