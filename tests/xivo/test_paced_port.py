"""Tests for xivo.paced_port: a listening port accepting under a per-pass budget.

The port listens on a real loopback socket (``ListeningReactor``); the clients connect
with blocking sockets (the kernel completes each handshake into the backlog); each
``doRead`` is one reactor pass's accepts, dispatched by hand.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from twisted.internet import tcp
from twisted.internet.protocol import Protocol
from twisted.internet.testing import MemoryReactorClock

from testing.passes import ListeningReactor, RecordingFactory
from xivo.direct_write import DirectWriteServer
from xivo.paced_port import PacedServer, pace
from xivo.passes import PassBudget


@pytest.fixture
def opened() -> Iterator[list]:
    """Sockets and ports to close after the test."""
    things: list = []
    yield things
    for thing in things:
        thing.close() if isinstance(thing, socket.socket) else thing.connectionLost(None)


def paced(budget: PassBudget, opened: list, clients: int) -> tuple[tcp.Port, RecordingFactory]:
    """A paced port with ``clients`` connections waiting in its backlog."""
    factory = RecordingFactory()
    port = ListeningReactor().listenTCP(0, factory, interface="127.0.0.1")
    pace(port, budget)
    opened.append(port)
    address = ("127.0.0.1", port.getHost().port)
    opened += [socket.create_connection(address, timeout=5) for _ in range(clients)]
    return port, factory


def test_accepts_its_budget_of_connections_per_pass(opened: list) -> None:
    """25 clients waiting, 10 a pass: 10, 10, then the last 5; each made a connection.
    ``doRead`` returns None each time (a value would tell the reactor the port is lost)."""
    port, factory = paced(PassBudget(10), opened, 25)
    accepted = []
    for _ in range(4):
        assert port.doRead() is None
        accepted.append(len(factory.made))
    assert accepted == [10, 20, 25, 25]
    assert all(protocol.connected for protocol in factory.made)


def test_a_pass_ends_once_its_time_is_spent(opened: list) -> None:
    """Each accept taking (on the budget's clock) 1 s of a 2.5 s budget: 3 a pass."""
    ticks = iter(range(1000))
    port, factory = paced(PassBudget(100, 2.5, now=lambda: next(ticks)), opened, 7)
    port.doRead()
    assert len(factory.made) == 3


def test_a_port_stopped_by_a_connection_accepts_no_more_in_that_pass(opened: list) -> None:
    """A protocol whose connectionMade stops the port ends the pass there."""
    port, factory = paced(PassBudget(10), opened, 3)

    def stopping(addr: object) -> Protocol:
        port.stopListening()
        return RecordingFactory.buildProtocol(factory, addr)

    factory.buildProtocol = stopping  # type: ignore[method-assign]
    port.doRead()
    assert len(factory.made) == 1


def test_server_listens_through_its_reactor_while_running() -> None:
    """The service listens with its backlog and interface on start (listenSSL with TLS
    options), and stops listening on stop."""
    reactor, factory, tls = MemoryReactorClock(), RecordingFactory(), object()
    plain = PacedServer(5003, factory, PassBudget(5), backlog=77, interface="::1",
                        reactor=reactor)  # fmt: skip
    secure = PacedServer(5013, factory, PassBudget(5), reactor=reactor, tls=tls)  # type: ignore[arg-type]
    for server in (plain, secure):
        server.startService()
    assert reactor.tcpServers == [(5003, factory, 77, "::1")]
    assert reactor.sslServers == [(5013, factory, tls, 50, "")]
    assert plain.factory is factory and plain.port is not None
    stopped = plain.stopService()
    assert stopped.called and plain.port is None


def test_server_s_connections_write_at_once() -> None:
    """On a real TCP port the service's connections are ``DirectWriteServer``s."""
    server = PacedServer(0, RecordingFactory(), PassBudget(5), interface="127.0.0.1",
                         reactor=ListeningReactor())  # fmt: skip
    server.startService()
    assert isinstance(server.port, tcp.Port) and server.port.transport is DirectWriteServer
    server.port.connectionLost(None)
