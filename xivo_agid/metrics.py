"""Prometheus metrics of xivo-agid (FastAGI requests, reverse lookups, cache).

The objects live in the default registry; code that produces a figure imports the
one it needs and calls ``inc()`` / ``observe()`` on it; the per-request paths take
labelled children from the cached helpers below instead of calling ``labels(...)``.
"""

from __future__ import annotations

import functools

from prometheus_client import Counter, Histogram

__all__ = [
    "AGI_REQUESTS",
    "CACHE_HITS",
    "CACHE_MISSES",
    "LOOKUP_LATENCY",
    "LOOKUP_TIMEOUTS",
    "REFUSED_CONNECTIONS",
    "UNEXPECTED_INPUT",
    "lookup_latency",
    "lookup_timeouts",
    "requests_counter",
]

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
UNEXPECTED_INPUT = Counter(
    "xivo_agid_unexpected_input",
    "FastAGI lines nothing expected (garbage, stray replies); past a few the peer is dropped.",
)
REFUSED_CONNECTIONS = Counter(
    "xivo_agid_refused_connections",
    "FastAGI connections refused or closed early, by reason (not_allowed, per_address, full,"
    " evicted).",
    ["reason"],
)
CACHE_HITS = Counter("xivo_agid_cache_hits", "Reverse lookups answered from the cache.")
CACHE_MISSES = Counter("xivo_agid_cache_misses", "Reverse lookups not found in the cache.")


@functools.cache
def requests_counter(script: str, outcome: str) -> Counter:
    """The ``AGI_REQUESTS`` child for ``script`` and ``outcome``, looked up once.

    Both label values come from fixed sets (handler names, outcomes), so the cache
    stays small; the per-request path then skips the registry's label lookup.
    """
    return AGI_REQUESTS.labels(script, outcome)


@functools.cache
def lookup_latency(source: str) -> Histogram:
    """The ``LOOKUP_LATENCY`` child of ``source`` (configured names and ``all``)."""
    return LOOKUP_LATENCY.labels(source)


@functools.cache
def lookup_timeouts(source: str) -> Counter:
    """The ``LOOKUP_TIMEOUTS`` child of ``source`` (configured names and ``all``)."""
    return LOOKUP_TIMEOUTS.labels(source)
