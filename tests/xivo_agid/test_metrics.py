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
