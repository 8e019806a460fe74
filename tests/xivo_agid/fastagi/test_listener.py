"""Tests of the FastAGI listening port and its service (``xivo_agid.fastagi._listener``).

Connections run on the real reactor over loopback; the accept loop is driven by hand on a
``MemoryReactorClock`` with real sockets underneath.
"""

from __future__ import annotations

import errno
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import error, reactor
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.protocol import Factory
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import LogLevel, capturedLogs

from tests.xivo_agid.fastagi.sockets import (
    LOOPBACK,
    FailingFactory,
    Greeter,
    RecorderFactory,
    StubListener,
    errors_logged,
    fake_port,
    ipv6_loopback_or_skip,
    pause,
    receive,
    receive_to_eof,
    reply,
    until,
)
from xivo_agid.fastagi._listener import ACCEPT_PAUSE, ACCEPTS_PER_PASS, WriteThroughServer

# Accepting.


@pytest_twisted.ensureDeferred
async def test_refused_connection_is_closed_and_the_port_goes_on(listen, clients):
    """buildProtocol returning None closes that connection; the next one is served."""
    factory = RecorderFactory(reply, refuse=1)
    port = listen(factory)
    refused = clients(port)
    assert await receive_to_eof(refused) == b""
    served = clients(port)
    served.sendall(b"ping")
    assert await receive(served, 10) == b"reply:ping"
    assert factory.attempts == 2


@pytest_twisted.ensureDeferred
async def test_close_in_connection_made(listen, clients):
    """A protocol closing in connectionMade: its greeting, EOF, one report; the port goes on."""
    factory = RecorderFactory(kind=Greeter)
    port = listen(factory)
    for _ in range(2):
        assert await receive_to_eof(clients(port)) == b"hello"
    await until(lambda: all(p.lost for p in factory.protocols))
    assert [len(p.lost) for p in factory.protocols] == [1, 1]
    assert all(p.lost[0].check(error.ConnectionDone) for p in factory.protocols)


def test_accepts_at_most_a_pass_worth():
    """One doRead accepts at most ACCEPTS_PER_PASS connections; the next takes the rest."""
    fake = MemoryReactorClock()
    factory = RecorderFactory()
    port = fake_port(factory, fake)
    address = (LOOPBACK, port.getHost().port)
    extra = 5
    waiting = [
        socket.create_connection(address, timeout=2) for _ in range(ACCEPTS_PER_PASS + extra)
    ]
    try:
        time.sleep(0.05)  # let the kernel finish the handshakes into the backlog
        port.doRead()
        assert len(factory.protocols) == ACCEPTS_PER_PASS
        port.doRead()
        assert len(factory.protocols) == ACCEPTS_PER_PASS + extra
        port.doRead()
        assert len(factory.protocols) == ACCEPTS_PER_PASS + extra
        assert len(fake.getReaders()) == ACCEPTS_PER_PASS + extra + 1
    finally:
        for protocol in factory.protocols:
            protocol.transport.abortConnection()
        port.stopListening()
        for sock in waiting:
            sock.close()


@contextmanager
def failing_accept(error_number: int) -> Iterator[tuple[MemoryReactorClock, Factory, Any]]:
    """A port whose next accept fails with ``error_number``, one client in its backlog."""
    fake = MemoryReactorClock()
    factory = RecorderFactory()
    port = fake_port(factory, fake)
    port._socket = StubListener(port._socket, error_number)
    with socket.create_connection((LOOPBACK, port.getHost().port), timeout=2):
        time.sleep(0.02)  # let the kernel finish the handshake into the backlog
        yield fake, factory, port


def test_connection_dead_in_backlog_is_skipped():
    """An accept error other than running out of resources skips to the next connection."""
    with failing_accept(errno.ECONNABORTED) as (fake, factory, port):
        port.doRead()
        assert len(factory.protocols) == 1
        assert port in fake.getReaders()
        factory.protocols[0].transport.abortConnection()
    port.stopListening()


def test_out_of_descriptors_pauses_accepting():
    """EMFILE on accept: the port stops reading, warns, and resumes after ACCEPT_PAUSE."""
    with failing_accept(errno.EMFILE) as (fake, factory, port):
        with capturedLogs() as events:
            port.doRead()
        assert port not in fake.getReaders()
        assert [e["log_level"] for e in events] == [LogLevel.warn]
        assert "cannot accept" in events[0]["log_format"]
        fake.advance(ACCEPT_PAUSE * 0.9)
        assert port not in fake.getReaders()
        fake.advance(ACCEPT_PAUSE * 0.2)
        assert port in fake.getReaders()
        port.doRead()
        assert len(factory.protocols) == 1
        factory.protocols[0].transport.abortConnection()
    port.stopListening()


def test_stop_listening_cancels_the_resume():
    """stopListening during the accept pause cancels the resume: the port stays out."""
    with failing_accept(errno.EMFILE) as (fake, factory, port):
        port.doRead()
    port.stopListening()
    assert fake.getDelayedCalls() == []
    fake.advance(ACCEPT_PAUSE * 2)
    assert port not in fake.getReaders()
    assert port.fileno() == -1
    assert factory.numPorts == 0


@pytest_twisted.ensureDeferred
async def test_failing_build_protocol_keeps_the_port_listening(listen, clients):
    """An exception from buildProtocol is logged and closes that connection; the port goes on."""
    factory = FailingFactory(reply)
    port = listen(factory)
    with capturedLogs() as events:
        first = clients(port)
        await until(lambda: factory.attempts == 1)
        await pause()
        second = clients(port)
        second.sendall(b"ping")
        assert await receive(second, 10) == b"reply:ping"
        assert await receive_to_eof(first) == b""
    assert errors_logged(events)


# Addresses.


@pytest_twisted.ensureDeferred
async def test_port_zero_gets_a_bound_port(listen, clients):
    """With port 0 getHost gives the port bound; connections know both ends."""
    factory = RecorderFactory()
    port = listen(factory)
    host = port.getHost()
    assert port.port == 0
    assert isinstance(host, IPv4Address)
    assert (host.host, host.port > 0) == (LOOPBACK, True)
    client = clients(port)
    await until(lambda: factory.protocols)
    transport = factory.protocols[0].transport
    assert transport.getHost() == host
    assert transport.getPeer() == IPv4Address("TCP", LOOPBACK, client.getsockname()[1])


@pytest_twisted.ensureDeferred
async def test_ipv6_loopback(listen, clients):
    """Listening on ::1 serves IPv6 clients, with IPv6 addresses on both ends."""
    ipv6_loopback_or_skip()
    factory = RecorderFactory(reply)
    port = listen(factory, "::1")
    host = port.getHost()
    assert isinstance(host, IPv6Address)
    assert host.host == "::1" and host.port > 0
    client = clients(port)
    client.sendall(b"v6")
    assert await receive(client, 8) == b"reply:v6"
    assert factory.protocols[0].transport.getPeer() == IPv6Address(
        "TCP", "::1", client.getsockname()[1]
    )


# The service.


@pytest_twisted.ensureDeferred
async def test_server_listens_while_running(clients):
    """startService listens; stopService closes the port but open connections carry on."""
    factory = RecorderFactory(reply)
    server = WriteThroughServer(0, factory, backlog=10, interface=LOOPBACK, reactor=reactor)
    server.startService()
    try:
        port = server.listener.getHost().port
        client = clients(server.listener)
        client.sendall(b"one")
        assert await receive(client, 9) == b"reply:one"
        await server.stopService()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((LOOPBACK, port), timeout=2).close()
        client.sendall(b"two")
        assert await receive(client, 9) == b"reply:two"
    finally:
        await server.stopService()
        for protocol in factory.protocols:
            protocol.transport.abortConnection()


def test_server_start_fails_on_a_port_in_use():
    """A port already in use makes startService raise CannotListenError."""
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        number = taken.getsockname()[1]
        server = WriteThroughServer(
            number, RecorderFactory(), backlog=10, interface=LOOPBACK, reactor=MemoryReactorClock()
        )
        with pytest.raises(error.CannotListenError):
            server.startService()
        assert server.listener.fileno() == -1
        server.stopService()


def test_server_privileged_start_then_start_listens_once():
    """privilegedStartService then startService opens one port; stopService closes it."""
    fake = MemoryReactorClock()
    factory = RecorderFactory()
    server = WriteThroughServer(0, factory, backlog=10, interface=LOOPBACK, reactor=fake)
    server.privilegedStartService()
    listening = server.listener.fileno()
    server.startService()
    assert server.listener.fileno() == listening
    assert fake.getReaders() == [server.listener]
    assert factory.numPorts == 1
    server.stopService()
    assert fake.getReaders() == []
    assert server.listener.fileno() == -1
    assert factory.numPorts == 0
