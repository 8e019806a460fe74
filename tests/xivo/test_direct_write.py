"""Tests for xivo.direct_write: a server connection whose writes go out at once.

The connection is accepted by Twisted's real TCP port on loopback (``ListeningReactor``:
never polled, so nothing is sent unless the write itself sends it; a test runs the
reactor's write by hand with ``doWrite``).  The client is a plain socket.
"""

from __future__ import annotations

import contextlib
import select
import socket
import time
from collections.abc import Iterator

import pytest
from twisted.internet import error
from twisted.python.failure import Failure

from testing.passes import ListeningReactor, RecordingFactory
from xivo.direct_write import DirectWriteServer, no_nagle


@pytest.fixture
def pair() -> Iterator[tuple[ListeningReactor, DirectWriteServer, socket.socket]]:
    """An accepted ``DirectWriteServer`` and its client socket (1 s timeout)."""
    reactor, factory = ListeningReactor(), RecordingFactory()
    port = reactor.listenTCP(0, factory, interface="127.0.0.1")
    port.transport = DirectWriteServer
    client = socket.create_connection(("127.0.0.1", port.getHost().port), timeout=1)
    port.doRead()
    server = factory.made[0].transport
    assert isinstance(server, DirectWriteServer)
    yield reactor, server, client
    client.close()
    server.connectionLost(Failure(error.ConnectionDone()))
    port.connectionLost(None)


def read(client: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = client.recv(size - len(data))
        assert chunk, "closed"
        data += chunk
    return data


def test_a_write_with_nothing_queued_is_sent_in_the_call(pair: tuple) -> None:
    """No reactor pass: the bytes are on the client's socket, no writer is watched."""
    reactor, server, client = pair
    server.write(b"hello\n")
    server.writeSequence([b"two ", b"chunks\n"])
    assert read(client, 17) == b"hello\ntwo chunks\n"
    assert server not in reactor.getWriters()


def test_what_the_kernel_does_not_take_waits_in_order(pair: tuple) -> None:
    """A client that does not read: the first write fills the socket and the rest is
    queued for the reactor, and later writes go behind it, never ahead."""
    reactor, server, client = pair
    server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    big = bytes(range(256)) * 4096  # 1 MiB: more than the socket buffers take
    server.write(big)
    assert server in reactor.getWriters()
    assert server._tempDataLen + len(server.dataBuffer) - server.offset < len(big)
    server.write(b"after")  # queued: bytes are waiting
    received = b""
    client.setblocking(False)
    deadline = time.monotonic() + 10
    while len(received) < len(big) + 5 and time.monotonic() < deadline:
        assert server.doWrite() is None  # the reactor's write pass, by hand
        select.select([client], [], [], 0.01)
        with contextlib.suppress(BlockingIOError):
            received += client.recv(1 << 20)
    assert received == big + b"after"
    assert server not in reactor.getWriters()


def test_a_failed_send_is_left_for_the_reactor_to_report(pair: tuple) -> None:
    """The peer reset the connection: the write raises nothing and queues the bytes; the
    reactor's write then reports the loss (as Twisted's own transport does)."""
    reactor, server, client = pair
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    client.close()
    server.write(b"lost")
    server.write(b"lost again")
    assert server in reactor.getWriters()
    assert isinstance(server.doWrite(), error.ConnectionLost)


def test_writes_while_closing_or_after_tls_take_twisted_s_path(pair: tuple) -> None:
    """A connection closing (or with TLS started in place) queues its writes for the
    reactor as Twisted's transport does."""
    reactor, server, client = pair
    server.disconnecting = True
    server.write(b"bye")
    assert server in reactor.getWriters() and server._tempDataLen == 3
    server.disconnecting = False
    server.doWrite()
    assert read(client, 3) == b"bye"
    server.write(b"")  # nothing to send: nothing watched
    assert server not in reactor.getWriters()


def test_no_nagle_turns_tcp_nodelay_on_where_the_transport_is_tcp(pair: tuple) -> None:
    """``no_nagle`` sets TCP_NODELAY on a TCP connection's socket; a transport without the
    option (a test double, a pipe) is left alone."""
    _, server, _ = pair
    server.setTcpNoDelay(False)
    no_nagle(server)
    assert server.getHandle().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    no_nagle(object())
