"""``GET /metrics``: the Prometheus exposition of a registry, rendered on the reactor.

prometheus_client's own Twisted resource imports the global reactor and renders in
the reactor's thread pool; this one takes no reactor and renders inline (a few
hundred samples take well under a millisecond).
"""

from __future__ import annotations

from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.exposition import choose_encoder
from twisted.web.resource import Resource
from twisted.web.server import Request

__all__ = ["MetricsResource", "served_registry"]


def served_registry(*registries: CollectorRegistry) -> CollectorRegistry:
    """One registry collecting from each of ``registries`` in turn (the process-wide
    default one and a daemon's own), their metric names kept apart by their owners."""
    served = CollectorRegistry(auto_describe=False)
    for registry in registries:
        served.register(registry)  # a registry is a collector of its own metrics
    return served


class MetricsResource(Resource):
    """Serve ``registry`` in the text format the scraper's Accept header asks for."""

    isLeaf = True

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        super().__init__()
        self._registry = registry

    def render_GET(self, request: Request) -> bytes:
        accept = request.getHeader(b"accept") or b""
        encoder, content_type = choose_encoder(accept.decode("latin-1"))
        request.setHeader(b"content-type", content_type.encode("latin-1"))
        return encoder(self._registry)
