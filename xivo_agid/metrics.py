"""Prometheus metrics of xivo-agid (FastAGI requests, reverse lookups, cache).

The objects live in the default registry; code that produces a figure imports the
one it needs and calls ``inc()`` / ``observe()`` / ``labels(...)`` on it.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["AGI_REQUESTS", "CACHE_HITS", "CACHE_MISSES", "LOOKUP_LATENCY", "LOOKUP_TIMEOUTS"]

AGI_REQUESTS = Counter(
    "xivo_agid_requests",
    "FastAGI requests handled, by script and outcome (ok, error, timeout, unknown_script...).",
    ["script", "outcome"],
)
LOOKUP_LATENCY = Histogram(
    "xivo_agid_lookup_seconds",
    "Reverse lookup latency per directory source (the whole lookup is source 'all').",
    ["source"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0),
)
LOOKUP_TIMEOUTS = Counter(
    "xivo_agid_lookup_timeouts",
    "Reverse lookups that hit their deadline, per directory source ('all' for the whole).",
    ["source"],
)
CACHE_HITS = Counter("xivo_agid_cache_hits", "Reverse lookups answered from the cache.")
CACHE_MISSES = Counter("xivo_agid_cache_misses", "Reverse lookups not found in the cache.")
