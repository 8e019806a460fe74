"""Tests for xivo.ops.metrics_resource."""

from prometheus_client import CollectorRegistry, Counter
from twisted.web.test.requesthelper import DummyRequest

from xivo.ops.metrics_resource import MetricsResource


def test_renders_registry_as_text():
    """GET /metrics returns the registry's samples in the Prometheus text format."""
    registry = CollectorRegistry()
    Counter("things", "Things seen.", registry=registry).inc(3)
    request = DummyRequest([b""])
    body = MetricsResource(registry).render_GET(request)
    assert b"things_total 3.0" in body
    (content_type,) = request.responseHeaders.getRawHeaders(b"content-type")
    assert content_type.startswith(b"text/plain")


def test_openmetrics_when_asked():
    """An OpenMetrics Accept header gets the OpenMetrics format with its EOF marker."""
    registry = CollectorRegistry()
    Counter("things", "Things seen.", registry=registry).inc()
    request = DummyRequest([b""])
    request.requestHeaders.addRawHeader(b"accept", b"application/openmetrics-text")
    body = MetricsResource(registry).render_GET(request)
    assert body.endswith(b"# EOF\n")


def test_served_registry_renders_each_registry_once():
    """served_registry collects from every registry given, in one exposition (one EOF)."""
    from xivo.ops.metrics_resource import served_registry

    first, second = CollectorRegistry(), CollectorRegistry()
    Counter("firsts", "First.", registry=first).inc()
    Counter("seconds", "Second.", registry=second).inc(2)
    request = DummyRequest([b""])
    request.requestHeaders.addRawHeader(b"accept", b"application/openmetrics-text")
    body = MetricsResource(served_registry(first, second)).render_GET(request)
    assert b"firsts_total 1.0" in body and b"seconds_total 2.0" in body
    assert body.count(b"# EOF") == 1
