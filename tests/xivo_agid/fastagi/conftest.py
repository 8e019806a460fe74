"""Fixtures of the FastAGI transport and listener tests: listening ports and clients."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest
from twisted.internet import reactor
from twisted.internet.address import IPv6Address

from tests.xivo_agid.fastagi.sockets import LOOPBACK, RecorderFactory
from xivo_agid.fastagi._listener import WriteThroughPort


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
