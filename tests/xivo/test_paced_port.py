"""Tests for xivo.paced_port: a listening port accepting under a per-pass budget.

The port listens on a real loopback socket; the clients connect with blocking sockets
(the kernel completes each handshake into the backlog); each ``doRead`` is one reactor
pass, dispatched by hand on a ``MemoryReactor``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock

from xivo.paced_port import PacedPort, PacedServer
from xivo.passes import PassBudget


class Counting(Factory):
    def __init__(self) -> None:
        self.made: list[Protocol] = []

    def buildProtocol(self, addr: object) -> Protocol:
        protocol = Protocol()
        self.made.append(protocol)
        return protocol


def connected(port: PacedPort, count: int) -> list[socket.socket]:
    """``count`` clients connected to ``port`` (waiting in its backlog)."""
    clients = [socket.create_connection(("127.0.0.1", port.getHost().port), timeout=5)
               for _ in range(count)]  # fmt: skip
    return clients


@pytest.fixture
def closing() -> Iterator[list]:
    opened: list = []
    yield opened
    for thing in opened:
        thing.close() if isinstance(thing, socket.socket) else thing.connectionLost(None)


def listening(budget: PassBudget, closing: list) -> tuple[PacedPort, Counting]:
    factory = Counting()
    port = PacedPort(
        0, factory, budget, backlog=50, interface="127.0.0.1", reactor=MemoryReactorClock()
    )
    port.startListening()
    closing.append(port)
    return port, factory


def test_accepts_its_budget_of_connections_per_pass(closing: list) -> None:
    """25 clients waiting, 10 a pass: 10, 10, then the last 5; each made a connection."""
    port, factory = listening(PassBudget(10), closing)
    closing += connected(port, 25)
    accepted = []
    for _ in range(4):
        port.doRead()
        accepted.append(len(factory.made))
    assert accepted == [10, 20, 25, 25]
    assert all(protocol.connected for protocol in factory.made)


def test_a_pass_ends_once_its_time_is_spent(closing: list) -> None:
    """Each accept taking (on the budget's clock) 1 s of a 2.5 s budget: 3 a pass."""
    ticks = iter(range(1000))
    port, factory = listening(PassBudget(100, 2.5, now=lambda: next(ticks)), closing)
    closing += connected(port, 7)
    port.doRead()
    assert len(factory.made) == 3


def test_a_port_stopped_by_a_connection_accepts_no_more_in_that_pass(closing: list) -> None:
    """A protocol whose connectionMade stops the port ends the pass there."""
    port, factory = listening(PassBudget(10), closing)

    def stopping(addr: object) -> Protocol:
        port.stopListening()
        return Counting.buildProtocol(factory, addr)

    factory.buildProtocol = stopping  # type: ignore[method-assign]
    closing += connected(port, 3)
    port.doRead()
    assert len(factory.made) == 1


def test_server_listens_while_running(closing: list) -> None:
    """The service opens its port on start and closes it on stop; its factory is the
    one given."""
    factory = Counting()
    server = PacedServer(
        0, factory, PassBudget(5), interface="127.0.0.1", reactor=MemoryReactorClock()
    )
    server.startService()
    assert server.port.connected and server.factory is factory
    assert server.port.factory is factory
    closing += connected(server.port, 1)
    server.port.doRead()
    assert len(factory.made) == 1
    server.stopService()
    assert server.port.disconnecting
