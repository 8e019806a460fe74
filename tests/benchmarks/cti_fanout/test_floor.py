"""Tests of the fan-out benchmark's floor: every push to every client once, in order, with
xivo-ctid's coalescing (one write per client per flush, a budget of clients per pass)."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from benchmarks.cti_fanout.floor import Floor, FloorFactory

EVENT = b"Event: X\r\n\r\n"


class Transport:
    """A client socket recording each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def writeSequence(self, data: list[bytes]) -> None:
        self.writes.append(b"".join(data))


def floor_with(clients: int, writes_per_pass: int, lines: list[list[bytes]]) -> tuple:
    clock = Clock()
    floor = Floor(clock, lines, 0.02, writes_per_pass)
    transports = [Transport() for _ in range(clients)]
    for transport in transports:
        floor.clients[transport] = None
    return clock, floor, transports


def test_each_push_reaches_every_client_once_in_order() -> None:
    """Two events' pushes, one read: one write per client with both, stamped, in order."""
    clock, floor, clients = floor_with(3, 0, [[b'{"n":1,"timenow":'], [b'{"n":2,"timenow":']])
    clock.advance(5)
    floor.receive(EVENT + EVENT[:4])
    floor.receive(EVENT[4:])
    clock.advance(0)
    for client in clients:
        assert client.writes == [b'{"n":1,"timenow":5.0}\n{"n":2,"timenow":5.0}\n']


def test_flushes_are_coalesced_by_the_interval() -> None:
    """A push 5 ms after a flush waits for the interval: one more write, 20 ms later."""
    clock, floor, (client,) = floor_with(1, 0, [[b'{"n":1,"t":'], [b'{"n":2,"t":'], []])
    floor.receive(EVENT)
    clock.advance(0)
    clock.advance(0.005)
    floor.receive(EVENT + EVENT)
    clock.advance(0.010)
    assert len(client.writes) == 1
    clock.advance(0.005)
    assert client.writes[1] == b'{"n":2,"t":0.005}\n'


def one_pass(clock: Clock) -> None:
    """Run what is due now, not what that schedules."""
    for call in [c for c in clock.getDelayedCalls() if c.getTime() <= clock.seconds()]:
        clock.calls.remove(call)
        call.func(*call.args, **call.kw)


def test_budget_of_clients_per_pass_and_merged_turns() -> None:
    """1 client per pass: a flush to 3 takes three passes; a client not yet served when the
    next flush comes gets both flushes in its turn, in order, in one write."""
    clock = Clock()
    floor = Floor(clock, [[b'{"n":1,"t":'], [b'{"n":2,"t":']], 0, 1)
    clients = [Transport() for _ in range(3)]
    for transport in clients:
        floor.clients[transport] = None
    floor.receive(EVENT)
    one_pass(clock)
    assert [len(c.writes) for c in clients] == [1, 0, 0]
    floor.receive(EVENT)
    one_pass(clock)  # the second client's turn, then the next flush
    assert [len(c.writes) for c in clients] == [1, 1, 0]
    one_pass(clock)
    assert clients[2].writes == [b'{"n":1,"t":0.0}\n{"n":2,"t":0.0}\n']  # one turn, one write
    clock.advance(0)
    assert [b"".join(c.writes) for c in clients] == [b'{"n":1,"t":0.0}\n{"n":2,"t":0.0}\n'] * 3


class TCPTransport(StringTransport):
    """A TCP client socket: the floor turns Nagle off as xivo-ctid does."""

    no_delay = False

    def setTcpNoDelay(self, enabled: bool) -> None:
        self.no_delay = enabled


def test_client_logs_in_in_three_steps_without_nagle() -> None:
    """Replies to login_id + login_pass, then login_capas; only then is it fed pushes."""
    floor = Floor(Clock(), [], 0.02)
    client = FloorFactory(floor).buildProtocol(None)
    transport = TCPTransport()
    client.makeConnection(transport)
    assert transport.no_delay
    client.dataReceived(b'{"class":"login_id"}\n{"class":')
    assert transport.value() == b"" and not floor.clients
    client.dataReceived(b'"login_pass"}\n')
    assert b'"login_pass"' in transport.value() and not floor.clients
    client.dataReceived(b'{"class":"login_capas"}\n')
    assert b'"login_capas"' in transport.value() and transport in floor.clients
    client.connectionLost()
    assert not floor.clients
