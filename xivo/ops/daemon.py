"""What the three daemons (xivo-agid, xivo-ctid, xivo) share around their services.

The ``--config`` command line, and the operations every daemon runs beside its own
services: one ``/metrics`` + ``/health`` HTTP server, one SIGHUP handler, and the
start-up heap frozen out of full garbage collections (again after each reload).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from prometheus_client import REGISTRY, CollectorRegistry
from twisted.application.service import IService, MultiService
from twisted.python import usage

from xivo.config import ConfigError
from xivo.ops.config import OpsHTTPConfig
from xivo.ops.health import HealthChecks
from xivo.ops.heap import HeapFreeze
from xivo.ops.http import make_ops_service
from xivo.ops.metrics_resource import served_registry
from xivo.ops.reload import ReloadService

__all__ = ["ConfigOptions", "Part", "with_operations"]

Part = Callable[[HealthChecks, ReloadService], IService]
"""Builds one side's services, registering its health checks and reload steps."""


class ConfigOptions(usage.Options):
    """``--config FILE``, loaded and checked at once: a ``ConfigError`` stops twistd with
    its one-line message. The configuration is ``options["loaded"]``."""

    optParameters = [
        ["config", "c", None, "YAML configuration file (default: embedded defaults)"],
    ]
    load_config: ClassVar[Callable[[str | None], Any]]

    def postOptions(self) -> None:
        try:
            self["loaded"] = type(self).load_config(self["config"])
        except ConfigError as e:
            raise usage.UsageError(str(e)) from None


def with_operations(
    reactor: Any, http: OpsHTTPConfig, *parts: Part, registry: CollectorRegistry | None = None
) -> MultiService:
    """The daemon's top service: SIGHUP first (a reload asked for as soon as a port
    answers must not kill the daemon), then ``parts`` in order, /metrics + /health and
    the heap freeze (its refreeze the last reload step).

    /metrics serves the process-wide default registry and, if given, ``registry`` (where
    the parts registered their metric objects)."""
    top = MultiService()
    checks = HealthChecks()
    reloader = ReloadService(reactor)
    reloader.setServiceParent(top)
    for part in parts:
        part(checks, reloader).setServiceParent(top)
    served = REGISTRY if registry is None else served_registry(REGISTRY, registry)
    make_ops_service(http, checks, reactor, served).setServiceParent(top)
    freeze = HeapFreeze(reactor)
    freeze.setServiceParent(top)
    reloader.add("frozen heap", freeze.refreeze)
    return top
