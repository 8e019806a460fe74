"""Tests for xivo_cti.metrics."""

from prometheus_client import REGISTRY, CollectorRegistry, Gauge

from xivo_cti import metrics


def test_bind_gauge_reads_state_at_scrape():
    """A bound gauge reports the current value of its reader at each scrape."""
    registry = CollectorRegistry()
    gauge = Gauge("bound_for_test", "A gauge bound in a test.", registry=registry)
    value = [0]
    metrics.bind_gauge(gauge, lambda: value[0])
    value[0] = 7
    assert registry.get_sample_value("bound_for_test") == 7.0


def test_bind_gauge_error_reads_nan():
    """A reader that raises makes the gauge NaN instead of breaking /metrics."""

    def broken():
        raise RuntimeError("gone")

    metrics.bind_gauge(metrics.AMI_PENDING_ACTIONS, broken)
    sample = REGISTRY.get_sample_value("xivo_ctid_ami_pending_actions")
    assert sample != sample  # NaN
