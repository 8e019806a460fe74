"""Tests for xivo_agid.metrics."""

import pytest
from prometheus_client import CollectorRegistry

from xivo_agid.metrics import AgidMetrics


def test_metrics_live_on_the_registry_given():
    """Every metric is on the registry passed in; two AgidMetrics do not collide."""
    registry = CollectorRegistry()
    metrics = AgidMetrics(registry)
    AgidMetrics(CollectorRegistry())  # another daemon, another registry: no clash
    metrics.request("callerid_lookup", "ok").inc()
    metrics.cache_hits.inc()
    metrics.unexpected_input.inc()
    metrics.refused_connections.labels("not_allowed").inc()
    labels = {"script": "callerid_lookup", "outcome": "ok"}
    assert registry.get_sample_value("xivo_agid_requests_total", labels) == 1.0
    assert registry.get_sample_value("xivo_agid_cache_hits_total") == 1.0
    assert registry.get_sample_value("xivo_agid_unexpected_input_total") == 1.0
    reason = {"reason": "not_allowed"}
    assert registry.get_sample_value("xivo_agid_refused_connections_total", reason) == 1.0


def test_lookup_latency_histogram_per_source():
    """A lookup latency lands in the per-source histogram's millisecond buckets."""
    metrics = AgidMetrics()
    metrics.latency("phonebook").observe(0.003)
    labels = {"source": "phonebook", "le": "0.005"}
    assert metrics.registry.get_sample_value("xivo_agid_lookup_seconds_bucket", labels) == 1.0


def test_lookup_latency_buckets_are_cumulative_with_count_and_sum():
    """Each bucket counts the lookups at or under its bound (one on a bound included), the
    +Inf bucket and the count every lookup, the sum their seconds; sources apart."""
    metrics = AgidMetrics()
    for seconds in (0.0005, 0.002, 0.004, 0.3, 2.5):
        metrics.latency("crm").observe(seconds)
    metrics.latency("all").observe(0.05)
    sample = metrics.registry.get_sample_value
    expected = {"0.001": 1, "0.002": 2, "0.005": 3, "0.2": 3, "0.3": 4, "1.0": 4, "+Inf": 5}
    for bound, count in expected.items():
        labels = {"source": "crm", "le": bound}
        assert sample("xivo_agid_lookup_seconds_bucket", labels) == count, bound
    assert sample("xivo_agid_lookup_seconds_count", {"source": "crm"}) == 5
    assert sample("xivo_agid_lookup_seconds_sum", {"source": "crm"}) == pytest.approx(2.8065)
    assert sample("xivo_agid_lookup_seconds_count", {"source": "all"}) == 1
    assert sample("xivo_agid_lookup_seconds_bucket", {"source": "all", "le": "0.02"}) == 0


def test_cached_children_count_in_the_labelled_series():
    """The cached helpers return the labelled children once and count into their series."""
    metrics = AgidMetrics()
    assert metrics.request("cached", "ok") is metrics.request("cached", "ok")
    assert metrics.timeouts("src") is metrics.timeouts("src")
    metrics.request("cached", "ok").inc()
    metrics.timeouts("src").inc()
    sample = metrics.registry.get_sample_value
    assert sample("xivo_agid_requests_total", {"script": "cached", "outcome": "ok"}) == 1.0
    assert sample("xivo_agid_lookup_timeouts_total", {"source": "src"}) == 1.0
