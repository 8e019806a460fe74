"""The combined process: xivo-agid and xivo-ctid services on one reactor.

FastAGI starts first; both sides register their health checks on one ``/health``,
their metrics on one ``/metrics`` (one HTTP server, the ``http`` key) and their
reload steps on one SIGHUP handler.
"""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry
from twisted.application.service import MultiService

from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.reload import config_reader
from xivo_agid.service import build_agid
from xivo_combined.config import XivoConfig, load_config
from xivo_cti.service import build_ctid

__all__ = ["Options", "makeService"]


class Options(ConfigOptions):
    """Command line of ``twistd xivo``: one YAML file holds both daemons' keys."""

    load_config = staticmethod(load_config)


def makeService(config: XivoConfig, reactor: Any, config_path: str | None = None) -> MultiService:
    """Both daemons (FastAGI first), one /metrics + /health server, one SIGHUP handler;
    on the daemons' reactor, FastAGI's sockets served ahead of CTI clients."""
    serve_urgent_first = getattr(reactor, "serve_urgent_first", None)
    if serve_urgent_first is not None:
        serve_urgent_first()
    read_agid = config_reader(reactor, lambda path: load_config(path).agid, config_path)
    read_ctid = config_reader(reactor, lambda path: load_config(path).ctid, config_path)
    registry = CollectorRegistry()
    return with_operations(
        reactor,
        config.http,
        lambda checks, reloader: build_agid(
            config.agid, reactor, checks, reloader, read_agid, registry
        ),
        lambda checks, reloader: build_ctid(
            config.ctid, reactor, checks, reloader, read_ctid, registry
        ),
        registry=registry,
    )
