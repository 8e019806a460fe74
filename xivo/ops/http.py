"""The operations HTTP server: /metrics and /health on one (loopback) port.

Bounded against clients that connect and do not finish: at most ``max_connections``
at once (more are closed at accept), and a connection that has not completed a
request ``timeout`` seconds after it opened or after its last response is closed
(idle keep-alive and half-sent requests alike).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry
from twisted.application import internet, service
from twisted.internet.interfaces import IAddress, IReactorTime
from twisted.internet.protocol import Protocol
from twisted.protocols.policies import ProtocolWrapper, WrappingFactory
from twisted.web import pages
from twisted.web.resource import IResource, Resource
from twisted.web.server import Site

from xivo.ops.config import OpsHTTPConfig
from xivo.ops.health import HealthChecks, HealthResource
from xivo.ops.metrics_resource import MetricsResource

__all__ = ["make_ops_factory", "make_ops_service", "make_ops_site"]


class _Root(Resource):
    """``/metrics`` and ``/health``; any other path is a plain 404 page."""

    def getChild(self, path: bytes, request: object) -> IResource:
        return pages.notFound()


def make_ops_site(
    checks: HealthChecks, registry: CollectorRegistry = REGISTRY, clock: IReactorTime | None = None
) -> Site:
    """A web site with ``/metrics`` and ``/health`` (everything else is 404); its own
    idle timeout is off (``make_ops_factory`` sets the deadline)."""
    root = _Root()
    root.putChild(b"metrics", MetricsResource(registry))
    root.putChild(b"health", HealthResource(checks))
    site = Site(root, timeout=None, reactor=clock)
    site.displayTracebacks = False
    site.noisy = False
    return site


class _Deadline(ProtocolWrapper):
    """Aborts the connection ``timeout`` seconds after it opened or last wrote a response."""

    factory: _BoundedFactory

    def connectionMade(self) -> None:
        self._timer = self.factory.clock.callLater(self.factory.timeout, self._expired)
        super().connectionMade()

    def write(self, data: bytes) -> None:
        self._timer.reset(self.factory.timeout)
        super().write(data)

    def writeSequence(self, data: Any) -> None:
        self._timer.reset(self.factory.timeout)
        super().writeSequence(data)

    def connectionLost(self, reason: Any) -> None:
        if self._timer.active():
            self._timer.cancel()
        super().connectionLost(reason)

    def _expired(self) -> None:
        self.transport.abortConnection()


class _BoundedFactory(WrappingFactory):
    protocol = _Deadline
    noisy = False

    def __init__(self, site: Site, *, timeout: float, max_connections: int, clock: IReactorTime):
        super().__init__(site)
        self.timeout = timeout
        self.max_connections = max_connections
        self.clock = clock

    def buildProtocol(self, addr: IAddress) -> Protocol | None:
        if len(self.protocols) >= self.max_connections:
            return None  # closed at once
        return super().buildProtocol(addr)


def make_ops_factory(
    config: OpsHTTPConfig,
    checks: HealthChecks,
    clock: IReactorTime,
    registry: CollectorRegistry = REGISTRY,
) -> WrappingFactory:
    """The site of ``make_ops_site`` within ``config``'s connection cap and deadline."""
    site = make_ops_site(checks, registry, clock)
    return _BoundedFactory(
        site, timeout=config.timeout, max_connections=config.max_connections, clock=clock
    )


def make_ops_service(
    config: OpsHTTPConfig,
    checks: HealthChecks,
    reactor: Any,
    registry: CollectorRegistry = REGISTRY,
) -> service.IService:
    """A service listening on ``config.address:config.port``, or a no-op if disabled."""
    if not config.enabled:
        return service.Service()
    factory = make_ops_factory(config, checks, reactor, registry)
    return internet.TCPServer(config.port, factory, interface=config.address, reactor=reactor)
