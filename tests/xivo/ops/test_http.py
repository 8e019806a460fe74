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


def _connect(factory):
    from twisted.internet.address import IPv4Address
    from twisted.internet.testing import StringTransport

    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    if protocol is None:
        return None
    transport = StringTransport()
    protocol.makeConnection(transport)
    return protocol, transport


def _factory(**config):
    from twisted.internet.task import Clock

    from xivo.ops.http import make_ops_factory

    clock = Clock()
    return make_ops_factory(OpsHTTPConfig(**config), HealthChecks(), clock, CollectorRegistry())


def test_connections_over_the_cap_are_closed_at_accept():
    """Past http.max_connections a new connection gets no protocol (closed at once)."""
    factory = _factory(max_connections=3)
    opened = [_connect(factory) for _ in range(3)]
    assert _connect(factory) is None
    opened[0][0].connectionLost(None)
    assert _connect(factory) is not None


def test_half_sent_request_is_closed_at_the_deadline_even_trickling():
    """A request still incomplete http.timeout seconds after opening is aborted, though
    its client keeps sending a byte now and then."""
    factory = _factory(timeout=10)
    protocol, transport = _connect(factory)
    protocol.dataReceived(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    for _ in range(3):
        factory.clock.advance(3)
        protocol.dataReceived(b"X")
    assert not transport.disconnecting
    factory.clock.advance(1)
    assert transport.disconnecting


def test_answered_connection_kept_alive_until_idle_for_the_timeout():
    """A complete request is answered; the kept-alive connection then closes after
    http.timeout seconds without a new request."""
    factory = _factory(timeout=10)
    protocol, transport = _connect(factory)
    factory.clock.advance(9)
    protocol.dataReceived(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert transport.value().startswith(b"HTTP/1.1 200")
    factory.clock.advance(9)
    assert not transport.disconnecting
    factory.clock.advance(1)
    assert transport.disconnecting
