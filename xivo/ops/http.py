"""The operations HTTP server: /metrics and /health on one (loopback) port."""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry
from twisted.application import internet, service
from twisted.internet.interfaces import IReactorTCP
from twisted.web import pages
from twisted.web.resource import IResource, Resource
from twisted.web.server import Site

from xivo.ops.config import OpsHTTPConfig
from xivo.ops.health import HealthChecks, HealthResource
from xivo.ops.metrics_resource import MetricsResource

__all__ = ["make_ops_service", "make_ops_site"]


class _Root(Resource):
    """``/metrics`` and ``/health``; any other path is a plain 404 page."""

    def getChild(self, path: bytes, request: object) -> IResource:
        return pages.notFound()


def make_ops_site(checks: HealthChecks, registry: CollectorRegistry = REGISTRY) -> Site:
    """A web site with ``/metrics`` and ``/health`` (everything else is 404)."""
    root = _Root()
    root.putChild(b"metrics", MetricsResource(registry))
    root.putChild(b"health", HealthResource(checks))
    site = Site(root)
    site.displayTracebacks = False
    site.noisy = False
    return site


def make_ops_service(
    config: OpsHTTPConfig,
    checks: HealthChecks,
    reactor: IReactorTCP,
    registry: CollectorRegistry = REGISTRY,
) -> service.IService:
    """A service listening on ``config.address:config.port``, or a no-op if disabled."""
    if not config.enabled:
        return service.Service()
    site = make_ops_site(checks, registry)
    return internet.TCPServer(config.port, site, interface=config.address, reactor=reactor)
