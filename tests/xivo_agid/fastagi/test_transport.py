"""Tests of the write-through TCP transport (``xivo_agid.fastagi._transport``).

End-to-end behaviour runs on the real reactor over loopback sockets; the exact moment
``connectionLost`` is reported is driven by hand on a ``MemoryReactorClock``.
"""

from __future__ import annotations

import socket
import struct

import pytest_twisted
from twisted.internet import error, reactor
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs
from twisted.python.failure import Failure

from tests.xivo_agid.fastagi.sockets import (
    BIG,
    Recorder,
    RecorderFactory,
    accepted,
    big_write_setup,
    connection_pair,
    digest,
    errors_logged,
    pause,
    payload,
    receive,
    receive_to_eof,
    reply,
    until,
)

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
