"""Tests for xivo_cti.metrics."""

from prometheus_client import CollectorRegistry, Gauge

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

    registry = CollectorRegistry()
    ctid = metrics.CtidMetrics(registry)
    metrics.bind_gauge(ctid.ami_pending_actions, broken)
    sample = registry.get_sample_value("xivo_ctid_ami_pending_actions")
    assert sample != sample  # NaN


def test_two_daemons_in_one_process_have_their_own_metrics():
    """CtidMetrics objects on separate registries do not collide (no module globals)."""
    first, second = CollectorRegistry(), CollectorRegistry()
    metrics.CtidMetrics(first).cti_clients.inc()
    metrics.CtidMetrics(second)
    assert first.get_sample_value("xivo_ctid_cti_clients") == 1.0
    assert second.get_sample_value("xivo_ctid_cti_clients") == 0.0
