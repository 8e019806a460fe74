"""Prometheus metrics of xivo-agid (FastAGI requests and connections, reverse lookups, cache).

One ``AgidMetrics`` holds them, registered on the ``CollectorRegistry`` it is given (the
one the operations HTTP server serves); the parts that produce a figure are handed it.
The figures counted on every request (requests, cache hits and misses, lookup latency)
are plain numbers (``Tally``, ``LatencyTally``) read by a collector when the registry is
scraped: one reactor thread updates them, so they need none of ``prometheus_client``'s
locks; the per-request paths take them from cached helpers.  The rare ones (timeouts,
refused connections, unexpected input) are ``prometheus_client`` counters.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

__all__ = ["AgidMetrics", "LatencyTally", "Tally"]

_LATENCY_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)
_BUCKET_NAMES = (*(floatToGoString(b) for b in _LATENCY_BUCKETS), "+Inf")
_REQUESTS_HELP = (
    "FastAGI requests handled, by script and outcome (ok, error, timeout, unknown_script...)."
)
_LATENCY_HELP = "Reverse lookup latency per directory source (the whole lookup is source 'all')."


class Tally:
    """One counter series."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (1 by default)."""
        self.value += amount


class LatencyTally:
    """One histogram series over the latency buckets (seconds)."""

    __slots__ = ("counts", "sum")

    def __init__(self) -> None:
        self.counts = [0] * len(_BUCKET_NAMES)
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        """Count one lookup of ``seconds``."""
        self.counts[bisect_left(_LATENCY_BUCKETS, seconds)] += 1
        self.sum += seconds


class AgidMetrics:
    """The metric objects of one xivo-agid, on ``registry`` (a private one by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.lookup_timeouts = Counter(
            "xivo_agid_lookup_timeouts",
            "Reverse lookups that hit their deadline, per directory source ('all' for the whole).",
            ["source"],
            registry=self.registry,
        )
        self.cache_hits = Tally()
        self.cache_misses = Tally()
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
        self._requests: dict[tuple[str, str], Tally] = {}
        self._latency: dict[str, LatencyTally] = {}
        self._timeouts: dict[str, Counter] = {}
        self.registry.register(self)

    def request(self, script: str, outcome: str) -> Tally:
        """The ``xivo_agid_requests`` series of ``script`` and ``outcome`` (both from
        fixed sets: handler names, outcomes)."""
        child = self._requests.get((script, outcome))
        if child is None:
            child = self._requests[script, outcome] = Tally()
        return child

    def latency(self, source: str) -> LatencyTally:
        """The ``xivo_agid_lookup_seconds`` series of ``source`` (configured names and
        ``all``)."""
        child = self._latency.get(source)
        if child is None:
            child = self._latency[source] = LatencyTally()
        return child

    def timeouts(self, source: str) -> Counter:
        """The ``lookup_timeouts`` child of ``source`` (configured names and ``all``)."""
        child = self._timeouts.get(source)
        if child is None:
            child = self._timeouts[source] = self.lookup_timeouts.labels(source)
        return child

    def collect(self) -> Iterator[Metric]:
        """The tallies as Prometheus metrics (called by the registry on a scrape)."""
        requests = CounterMetricFamily(
            "xivo_agid_requests", _REQUESTS_HELP, labels=["script", "outcome"]
        )
        for labels, tally in self._requests.items():
            requests.add_metric(labels, tally.value)
        yield requests
        for name, tally in (("hits", self.cache_hits), ("misses", self.cache_misses)):
            what = "answered from" if name == "hits" else "not found in"
            yield CounterMetricFamily(
                f"xivo_agid_cache_{name}", f"Reverse lookups {what} the cache.", tally.value
            )
        latency = HistogramMetricFamily(
            "xivo_agid_lookup_seconds", _LATENCY_HELP, labels=["source"]
        )
        for source, series in self._latency.items():
            total, buckets = 0, []
            for bound, count in zip(_BUCKET_NAMES, series.counts, strict=True):
                total += count
                buckets.append((bound, float(total)))
            latency.add_metric([source], buckets, series.sum)
        yield latency
