"""Tests for client_endpoint."""

from __future__ import annotations

from twisted.internet.endpoints import HostnameEndpoint, TCP4ClientEndpoint, TCP6ClientEndpoint
from twisted.internet.testing import MemoryReactorClock

from xivo_cti.ami._endpoint import client_endpoint


def test_endpoint_kind_by_host():
    """IPv4 and IPv6 literals skip resolution; names use HostnameEndpoint."""
    reactor = MemoryReactorClock()
    assert isinstance(client_endpoint(reactor, "127.0.0.1", 5038, 1), TCP4ClientEndpoint)
    assert isinstance(client_endpoint(reactor, "::1", 5038, 1), TCP6ClientEndpoint)
    assert isinstance(client_endpoint(reactor, "pbx.example", 5038, 1), HostnameEndpoint)


def test_timeout_passed_on():
    """The connect timeout reaches connectTCP."""
    reactor = MemoryReactorClock()
    client_endpoint(reactor, "127.0.0.1", 5038, 2.5).connect(None)
    assert reactor.tcpClients[0][3] == 2.5
