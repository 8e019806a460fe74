"""Tests for xivo.ops.http."""

from prometheus_client import CollectorRegistry
from twisted.application import internet
from twisted.internet.testing import MemoryReactor
from twisted.web.test.requesthelper import DummyRequest

from xivo.ops.config import OpsHTTPConfig
from xivo.ops.health import HealthChecks, HealthResource
from xivo.ops.http import make_ops_service, make_ops_site
from xivo.ops.metrics_resource import MetricsResource


def _child(site, name):
    return site.resource.getChildWithDefault(name, None)


def test_site_routes_metrics_and_health():
    """The site serves /metrics and /health and nothing else."""
    site = make_ops_site(HealthChecks(), CollectorRegistry())
    assert isinstance(_child(site, b"metrics"), MetricsResource)
    assert isinstance(_child(site, b"health"), HealthResource)
    other = DummyRequest([b"admin"])
    site.getResourceFor(other).render(other)
    assert other.responseCode == 404


def test_service_listens_on_configured_address():
    """Starting the service listens on the configured interface and port."""
    reactor = MemoryReactor()
    config = OpsHTTPConfig(address="127.0.0.1", port=9999)
    svc = make_ops_service(config, HealthChecks(), reactor, CollectorRegistry())
    assert isinstance(svc, internet.TCPServer)
    svc.startService()
    ((port, _factory, _backlog, interface),) = reactor.tcpServers
    assert (port, interface) == (9999, "127.0.0.1")


def test_disabled_service_listens_nowhere():
    """With enabled: false the service starts without opening a port."""
    reactor = MemoryReactor()
    svc = make_ops_service(OpsHTTPConfig(enabled=False), HealthChecks(), reactor)
    svc.startService()
    assert reactor.tcpServers == []
