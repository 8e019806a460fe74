"""Loopback sockets, recording protocols and waits shared by the FastAGI transport and
listener tests."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import time
from collections.abc import Callable

import pytest
from twisted.internet import reactor, task
from twisted.internet.address import IPv4Address
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import LogLevel
from twisted.python.failure import Failure

from xivo_agid.fastagi._listener import ACCEPTS_PER_PASS, WriteThroughPort
from xivo_agid.fastagi._transport import WriteThroughConnection

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
