"""Tests of the write-through TCP transport of the FastAGI listener.

End-to-end behaviour runs on the real reactor over loopback sockets; the accept loop and
the exact moment ``connectionLost`` is reported are driven by hand on a
``MemoryReactorClock`` (with real sockets underneath).
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import pytest_twisted
from twisted.internet import error, reactor, task
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import LogLevel, capturedLogs
from twisted.python.failure import Failure

from xivo_agid.fastagi.transport import (
    ACCEPT_PAUSE,
    ACCEPTS_PER_PASS,
    WriteThroughConnection,
    WriteThroughPort,
    WriteThroughServer,
)

LOOPBACK = "127.0.0.1"
ADDR = IPv4Address("TCP", LOOPBACK, 40000)
BIG = 3 * 1024 * 1024
"""More than the kernel takes at once with the small buffers set below."""
SMALL_BUFFER = 16384


class Recorder(Protocol):
    """Records what it receives and how the connection ended; ``on_data`` may react."""

    def __init__(self, on_data: Callable[[Recorder, bytes], None] | None = None) -> None:
        self.on_data = on_data
        self.received = b""
        self.lost: list[Failure] = []

    def dataReceived(self, data: bytes) -> None:
        self.received += data
        if self.on_data is not None:
            self.on_data(self, data)

    def connectionLost(self, reason: Failure) -> None:
        self.lost.append(reason)


class Greeter(Recorder):
    """Says hello and closes as soon as it is connected."""

    def connectionMade(self) -> None:
        self.transport.write(b"hello")
        self.transport.loseConnection()


class RecorderFactory(Factory):
    """Builds ``Recorder``s (or ``kind``) and keeps them; ``refuse`` first ones get ``None``."""

    def __init__(
        self,
        on_data: Callable[[Recorder, bytes], None] | None = None,
        *,
        refuse: int = 0,
        kind: type[Recorder] = Recorder,
    ) -> None:
        self.on_data = on_data
        self.refuse = refuse
        self.kind = kind
        self.attempts = 0
        self.protocols: list[Recorder] = []

    def buildProtocol(self, addr: object) -> Recorder | None:
        self.attempts += 1
        if self.attempts <= self.refuse:
            return None
        protocol = self.kind(self.on_data)
        protocol.factory = self
        self.protocols.append(protocol)
        return protocol


class FailingFactory(RecorderFactory):
    """Raises from ``buildProtocol`` for the first connection."""

    def buildProtocol(self, addr: object) -> Recorder | None:
        if self.attempts == 0:
            self.attempts += 1
            raise RuntimeError("factory bug")
        return super().buildProtocol(addr)


class StubListener:
    """Stands in for the port's listening socket: ``accept`` fails with ``errors`` first."""

    def __init__(self, real: socket.socket, *errors: int) -> None:
        self.real = real
        self.errors = list(errors)

    def accept(self) -> tuple[socket.socket, tuple]:
        if self.errors:
            code = self.errors.pop(0)
            raise OSError(code, os.strerror(code))
        return self.real.accept()

    def fileno(self) -> int:
        return self.real.fileno()

    def close(self) -> None:
        self.real.close()


def reply(protocol: Recorder, data: bytes) -> None:
    """Answer every chunk of data with ``reply:`` and the data."""
    protocol.transport.write(b"reply:" + data)


def payload(size: int) -> bytes:
    """Bytes in which a lost, repeated or misplaced chunk cannot go unnoticed."""
    return random.Random(size).randbytes(size)


def digest(data: bytes) -> tuple[int, str]:
    """Length and hash: compares megabytes without a megabyte-long assertion message."""
    return len(data), hashlib.sha256(data).hexdigest()


def shrink_send_buffer(connection: WriteThroughConnection) -> None:
    """Make the kernel take little of a write on the accepted socket."""
    with socket.socket(fileno=os.dup(connection.fileno())) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SMALL_BUFFER)


def errors_logged(events: list[dict]) -> list[dict]:
    """The events at error or critical level."""
    return [e for e in events if e.get("log_level") in (LogLevel.error, LogLevel.critical)]


async def pause(seconds: float = 0.0) -> None:
    """Let the reactor run for ``seconds`` (at least one pass)."""
    await task.deferLater(reactor, seconds, lambda: None)


async def until(predicate: Callable[[], object], timeout: float = 3.0) -> None:
    """Let the reactor run until ``predicate()`` is true; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await pause(0.001)


async def receive(sock: socket.socket, size: int, timeout: float = 3.0) -> bytes:
    """Read exactly ``size`` bytes from a non-blocking client socket."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while len(data) < size:
        assert time.monotonic() < deadline, f"got {len(data)} of {size} bytes in time"
        try:
            chunk = sock.recv(size - len(data))
        except BlockingIOError:
            await pause()
            continue
        assert chunk, f"EOF after {len(data)} of {size} bytes"
        data += chunk
    return bytes(data)


async def receive_to_eof(sock: socket.socket, timeout: float = 3.0) -> bytes:
    """Read a non-blocking client socket until the server closes it."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        assert time.monotonic() < deadline, f"no EOF in time ({len(data)} bytes read)"
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            await pause()
            continue
        if not chunk:
            return bytes(data)
        data += chunk


def connection_pair(
    protocol: Protocol, fake: MemoryReactorClock
) -> tuple[WriteThroughConnection, socket.socket]:
    """A connection on one end of a socket pair, registered with ``fake``; the other end."""
    ours, peer = socket.socketpair()
    ours.setblocking(False)
    peer.settimeout(2)
    connection = WriteThroughConnection(ours, protocol, fake, ADDR, ADDR)
    protocol.makeConnection(connection)
    fake.addReader(connection)
    return connection, peer


def fake_port(factory: Factory, fake: MemoryReactorClock) -> WriteThroughPort:
    """A real listening socket on loopback, registered with a fake reactor."""
    port = WriteThroughPort(
        0, factory, backlog=4 * ACCEPTS_PER_PASS, interface=LOOPBACK, reactor=fake
    )
    port.startListening()
    return port


def ipv6_loopback_or_skip() -> None:
    """Skip without IPv6 loopback, except under CI where it must be there."""
    reason = None
    if not socket.has_ipv6:
        reason = "Python built without IPv6"
    else:
        try:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
                sock.bind(("::1", 0))
        except OSError as e:
            reason = f"cannot bind ::1: {e}"
    if reason is not None and os.environ.get("CI") != "true":
        pytest.skip(reason)


@pytest.fixture
def listen() -> Iterator[Callable[..., WriteThroughPort]]:
    """Start ports on the real reactor; stop them and abort their connections afterwards."""
    started: list[tuple[WriteThroughPort, RecorderFactory]] = []

    def start(factory: RecorderFactory, interface: str = LOOPBACK) -> WriteThroughPort:
        port = WriteThroughPort(0, factory, backlog=50, interface=interface, reactor=reactor)
        port.startListening()
        started.append((port, factory))
        return port

    yield start
    for port, factory in started:
        port.stopListening()
        for protocol in factory.protocols:
            protocol.transport.abortConnection()


@pytest.fixture
def clients() -> Iterator[Callable[..., socket.socket]]:
    """Connect non-blocking client sockets to a port; close them afterwards."""
    opened: list[socket.socket] = []

    def connect(port: WriteThroughPort, *, rcvbuf: int | None = None) -> socket.socket:
        host = port.getHost()
        family = socket.AF_INET6 if isinstance(host, IPv6Address) else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        opened.append(sock)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(2)
        sock.connect((host.host, host.port))
        sock.setblocking(False)
        return sock

    yield connect
    for sock in opened:
        sock.close()


async def accepted(listen, clients, **client_options) -> tuple[socket.socket, Recorder]:
    """A client connected to a new recording server, and the server's protocol."""
    factory = RecorderFactory()
    client = clients(listen(factory), **client_options)
    await until(lambda: factory.protocols)
    return client, factory.protocols[0]


async def big_write_setup(listen, clients) -> tuple[Recorder, socket.socket, bytes]:
    """A connection whose client does not read yet, with a write the kernel cannot take."""
    client, server = await accepted(listen, clients, rcvbuf=SMALL_BUFFER)
    shrink_send_buffer(server.transport)
    data = payload(BIG)
    server.transport.write(data)
    assert server.transport in reactor.getWriters()
    return server, client, data


# Writing.


@pytest_twisted.ensureDeferred
async def test_small_reply_goes_out_without_registering_a_writer(listen, clients):
    """A reply the kernel takes whole arrives, and the connection never becomes a writer."""
    writer_after_write = []

    def answer(protocol: Recorder, data: bytes) -> None:
        reply(protocol, data)
        writer_after_write.append(protocol.transport in reactor.getWriters())

    factory = RecorderFactory(answer)
    client = clients(listen(factory))
    client.sendall(b"hello")
    assert await receive(client, 11) == b"reply:hello"
    assert writer_after_write == [False]
    assert factory.protocols[0].transport not in reactor.getWriters()
    assert factory.protocols[0].lost == []


@pytest_twisted.ensureDeferred
async def test_big_write_is_queued_and_delivered_in_order(listen, clients):
    """What the kernel does not take waits for writability; later writes queue behind it."""
    server, client, data = await big_write_setup(listen, clients)
    server.transport.write(b"second")
    head = await receive(client, BIG // 3)
    assert server.transport in reactor.getWriters()
    server.transport.write(b"third")
    rest = await receive(client, BIG + len(b"secondthird") - len(head))
    assert digest(head + rest) == digest(data + b"secondthird")
    await until(lambda: server.transport not in reactor.getWriters())
    server.transport.write(b"after")
    assert server.transport not in reactor.getWriters()
    assert await receive(client, 5) == b"after"


# Closing from this side.


@pytest_twisted.ensureDeferred
async def test_lose_connection_delivers_queued_data_first(listen, clients):
    """loseConnection sends everything queued, then closes; later writes are ignored."""
    server, client, data = await big_write_setup(listen, clients)
    server.transport.loseConnection()
    server.transport.write(b"ignored")
    assert server.lost == []
    assert digest(await receive_to_eof(client)) == digest(data)
    await until(lambda: server.lost)
    await pause(0.01)
    assert len(server.lost) == 1
    assert server.lost[0].check(error.ConnectionDone)
    assert server.transport not in reactor.getWriters()
    assert server.transport not in reactor.getReaders()


@pytest_twisted.ensureDeferred
async def test_lose_connection_with_nothing_queued(listen, clients):
    """With nothing queued the client sees EOF; connectionLost comes once, from a later pass."""
    client, server = await accepted(listen, clients)
    server.transport.loseConnection()
    assert server.lost == []
    assert await receive_to_eof(client) == b""
    await until(lambda: server.lost)
    await pause(0.01)
    assert len(server.lost) == 1
    assert server.lost[0].check(error.ConnectionDone)


def test_close_inside_data_received_is_reported_when_it_returns():
    """loseConnection inside dataReceived: connectionLost right after it returns, once."""
    fake = MemoryReactorClock()
    seen_inside = []

    def close(protocol: Recorder, data: bytes) -> None:
        protocol.transport.loseConnection()
        seen_inside.append(len(protocol.lost))

    protocol = Recorder(close)
    connection, peer = connection_pair(protocol, fake)
    with peer:
        peer.sendall(b"bye")
        connection.doRead()
        assert seen_inside == [0]
        assert len(protocol.lost) == 1
        assert protocol.lost[0].check(error.ConnectionDone)
        assert peer.recv(1) == b""
    fake.advance(1)
    assert len(protocol.lost) == 1
    assert connection not in fake.getReaders()


@pytest_twisted.ensureDeferred
async def test_abort_drops_queued_data(listen, clients):
    """abortConnection closes at once without the queue and reports ConnectionAborted."""
    server, client, data = await big_write_setup(listen, clients)
    server.transport.abortConnection()
    assert server.transport not in reactor.getWriters()
    assert server.lost == []
    got = await receive_to_eof(client)
    assert len(got) < len(data)
    assert got == data[: len(got)]
    await until(lambda: server.lost)
    await pause(0.01)
    assert len(server.lost) == 1
    assert server.lost[0].check(error.ConnectionAborted)


# Closing from the peer or the reactor.


@pytest_twisted.ensureDeferred
async def test_peer_close_reports_connection_done(listen, clients):
    """A clean close by the client gives connectionLost(ConnectionDone), once."""
    client, server = await accepted(listen, clients)
    client.close()
    await until(lambda: server.lost)
    await pause(0.01)
    assert len(server.lost) == 1
    assert server.lost[0].check(error.ConnectionDone)
    assert server.transport not in reactor.getReaders()


@pytest_twisted.ensureDeferred
async def test_peer_reset_reports_connection_lost_without_error_log(listen, clients):
    """A reset by the client is reported once as a lost (or done) connection, and not logged."""
    client, server = await accepted(listen, clients)
    with capturedLogs() as events:
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        await until(lambda: server.lost)
        await pause(0.01)
    assert len(server.lost) == 1
    assert server.lost[0].check(error.ConnectionLost, error.ConnectionDone)
    assert errors_logged(events) == []


def test_reactor_shutdown_reports_at_once_and_closes():
    """connectionLost from the reactor (disconnectAll) reports at once; later calls do nothing."""
    fake = MemoryReactorClock()
    protocol = Recorder()
    connection, peer = connection_pair(protocol, fake)
    with peer:
        connection.write(payload(BIG))
        assert connection in fake.getWriters()
        connection.connectionLost(Failure(error.ConnectionLost()))
        assert len(protocol.lost) == 1
        assert protocol.lost[0].check(error.ConnectionLost)
        assert connection.fileno() == -1
        assert connection not in fake.getReaders() + fake.getWriters()
        while peer.recv(1 << 20):
            pass  # what the kernel took, then EOF: the socket is closed
    connection.loseConnection()
    connection.write(b"late")
    fake.advance(1)
    assert len(protocol.lost) == 1


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


@pytest_twisted.ensureDeferred
async def test_failing_data_received_after_close_still_reports(listen, clients):
    """dataReceived closing then raising: the protocol still gets connectionLost once."""

    def close_and_fail(protocol: Recorder, data: bytes) -> None:
        protocol.transport.loseConnection()
        raise RuntimeError("protocol bug")

    factory = RecorderFactory(close_and_fail)
    client = clients(listen(factory))
    client.sendall(b"x")
    assert await receive_to_eof(client) == b""
    server = factory.protocols[0]
    await until(lambda: server.lost, timeout=0.3)
    assert len(server.lost) == 1


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
