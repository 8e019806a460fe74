"""Prometheus metrics of xivo-agid (FastAGI requests and connections, reverse lookups, cache).

One ``AgidMetrics`` holds them, registered on the ``CollectorRegistry`` it is given (the
one the operations HTTP server serves); the parts that produce a figure are handed it.
The per-request paths take labelled children from its cached helpers instead of calling
``labels(...)`` each time.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

__all__ = ["AgidMetrics"]

_LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


class AgidMetrics:
    """The metric objects of one xivo-agid, on ``registry`` (a private one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.requests = Counter(
            "xivo_agid_requests",
            "FastAGI requests handled, by script and outcome (ok, error, timeout,"
            " unknown_script...).",
            ["script", "outcome"],
            registry=self.registry,
        )
        self.lookup_latency = Histogram(
            "xivo_agid_lookup_seconds",
            "Reverse lookup latency per directory source (the whole lookup is source 'all').",
            ["source"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.lookup_timeouts = Counter(
            "xivo_agid_lookup_timeouts",
            "Reverse lookups that hit their deadline, per directory source ('all' for the whole).",
            ["source"],
            registry=self.registry,
        )
        self.cache_hits = Counter(
            "xivo_agid_cache_hits",
            "Reverse lookups answered from the cache.",
            registry=self.registry,
        )
        self.cache_misses = Counter(
            "xivo_agid_cache_misses",
            "Reverse lookups not found in the cache.",
            registry=self.registry,
        )
        self.unexpected_input = Counter(
            "xivo_agid_unexpected_input",
            "FastAGI lines nothing expected (garbage, stray replies); past a few the peer is"
            " dropped.",
            registry=self.registry,
        )
        self.refused_connections = Counter(
            "xivo_agid_refused_connections",
            "FastAGI connections refused or closed early, by reason (not_allowed,"
            " per_address, full, evicted).",
            ["reason"],
            registry=self.registry,
        )
        self._requests: dict[tuple[str, str], Counter] = {}
        self._latency: dict[str, Histogram] = {}
        self._timeouts: dict[str, Counter] = {}

    def request(self, script: str, outcome: str) -> Counter:
        """The ``requests`` child for ``script`` and ``outcome``, looked up once (both come
        from fixed sets: handler names, outcomes)."""
        child = self._requests.get((script, outcome))
        if child is None:
            child = self._requests[script, outcome] = self.requests.labels(script, outcome)
        return child

    def latency(self, source: str) -> Histogram:
        """The ``lookup_latency`` child of ``source`` (configured names and ``all``)."""
        child = self._latency.get(source)
        if child is None:
            child = self._latency[source] = self.lookup_latency.labels(source)
        return child

    def timeouts(self, source: str) -> Counter:
        """The ``lookup_timeouts`` child of ``source`` (configured names and ``all``)."""
        child = self._timeouts.get(source)
        if child is None:
            child = self._timeouts[source] = self.lookup_timeouts.labels(source)
        return child
