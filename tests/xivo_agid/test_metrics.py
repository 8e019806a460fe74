"""Tests for xivo_agid.metrics."""

from prometheus_client import REGISTRY

from xivo_agid import metrics


def test_request_counter_by_script_and_outcome():
    """AGI requests are counted per script and outcome."""
    labels = {"script": "callerid_lookup", "outcome": "ok"}
    before = REGISTRY.get_sample_value("xivo_agid_requests_total", labels) or 0.0
    metrics.AGI_REQUESTS.labels(**labels).inc()
    assert REGISTRY.get_sample_value("xivo_agid_requests_total", labels) == before + 1


def test_lookup_latency_histogram_per_source():
    """A lookup latency lands in the per-source histogram's millisecond buckets."""
    metrics.LOOKUP_LATENCY.labels(source="phonebook-test").observe(0.003)
    bucket = REGISTRY.get_sample_value(
        "xivo_agid_lookup_seconds_bucket", {"source": "phonebook-test", "le": "0.005"}
    )
    assert bucket == 1.0


def test_cached_children_count_in_the_labelled_series():
    """The cached helpers return the labelled children once and count into their series."""
    labels = {"script": "cached-test", "outcome": "ok"}
    before = REGISTRY.get_sample_value("xivo_agid_requests_total", labels) or 0.0
    assert metrics.requests_counter("cached-test", "ok") is metrics.requests_counter(
        "cached-test", "ok"
    )
    metrics.requests_counter("cached-test", "ok").inc()
    assert REGISTRY.get_sample_value("xivo_agid_requests_total", labels) == before + 1
    metrics.lookup_timeouts("cached-source").inc()
    metrics.lookup_latency("cached-source").observe(0.004)
    assert (
        REGISTRY.get_sample_value("xivo_agid_lookup_timeouts_total", {"source": "cached-source"})
        == 1.0
    )
    assert (
        REGISTRY.get_sample_value(
            "xivo_agid_lookup_seconds_bucket", {"source": "cached-source", "le": "0.005"}
        )
        == 1.0
    )
