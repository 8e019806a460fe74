"""Tests of the FastAGI factory: who may connect, how many, and bookkeeping."""

import pytest
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import FastAGIFactory, FastAGIProtocol
from xivo_agid.metrics import AgidMetrics

ADDR = IPv4Address("TCP", "127.0.0.1", 40000)
ENV = b"agi_network_script: wait\nagi_channel: PJSIP/a-1\n\n"


def _open(factory, addr=ADDR, env=False):
    protocol = factory.buildProtocol(addr)
    assert protocol is not None
    protocol.makeConnection(StringTransport())
    if env:
        protocol.dataReceived(ENV)
    return protocol


def _factory(**limits):
    return FastAGIFactory(
        {"wait": lambda session: Deferred()}, FastAGIConfig(**limits), Clock(), AgidMetrics()
    )


def test_refuses_over_max_connections_when_all_are_in_a_call():
    """Full of sessions in a call: buildProtocol returns None (closed at once), logged."""
    factory = _factory(max_connections=2)
    protocols = [_open(factory, env=True) for _ in range(2)]
    with capturedLogs() as events:
        assert factory.buildProtocol(ADDR) is None
    assert any("refusing" in e.get("log_format", "") for e in events)
    protocols[0].connectionLost()
    assert isinstance(factory.buildProtocol(ADDR), FastAGIProtocol)


def test_full_server_closes_the_oldest_connection_without_environment():
    """A new connection takes the slot of the oldest one still silent; calls are kept."""
    factory = _factory(max_connections=3)
    in_call = _open(factory, env=True)
    idle_old, idle_new = _open(factory), _open(factory)
    with capturedLogs():
        newcomer = factory.buildProtocol(ADDR)
    assert isinstance(newcomer, FastAGIProtocol)
    assert idle_old.transport.disconnecting
    assert not idle_new.transport.disconnecting and not in_call.transport.disconnecting
    newcomer.makeConnection(StringTransport())
    idle_old.connectionLost()
    assert list(factory.connections) == [in_call, idle_new, newcomer]


@pytest.mark.parametrize(
    ("allowed", "host", "ok"),
    [
        (("127.0.0.1", "::1"), "127.0.0.1", True),
        (("127.0.0.1", "::1"), "::1", True),
        (("127.0.0.1", "::1"), "::ffff:127.0.0.1", True),
        (("127.0.0.1", "::1"), "10.0.0.5", False),
        (("10.0.0.0/24",), "10.0.0.5", True),
        (("10.0.0.0/24",), "10.0.1.5", False),
        (("fd00::/8",), "fd00::7", True),
    ],
)
def test_only_allowed_peers_get_a_connection(allowed, host, ok):
    """fastagi.allowed_peers: an address outside it is refused at accept."""
    factory = _factory(allowed_peers=allowed)
    addr = (IPv6Address if ":" in host else IPv4Address)("TCP", host, 40000)
    with capturedLogs() as events:
        protocol = factory.buildProtocol(addr)
    assert (protocol is not None) is ok
    if not ok:
        assert any("allowed_peers" in str(e.get("why")) for e in events)


def test_per_address_cap():
    """One address holds at most max_connections_per_address; others still get theirs."""
    factory = _factory(max_connections_per_address=2, allowed_peers=("127.0.0.0/8",))
    first = [_open(factory) for _ in range(2)]
    with capturedLogs():
        assert factory.buildProtocol(ADDR) is None
    other = IPv4Address("TCP", "127.0.0.2", 40000)
    assert factory.buildProtocol(other) is not None
    first[0].connectionLost()
    assert factory.buildProtocol(ADDR) is not None


def test_reloaded_allow_list_applies_to_next_connections():
    """Setting config (SIGHUP) rebuilds the allow-list."""
    factory = _factory()
    factory.config = FastAGIConfig(allowed_peers=("192.0.2.1",))
    with capturedLogs():
        assert factory.buildProtocol(ADDR) is None
    assert factory.buildProtocol(IPv4Address("TCP", "192.0.2.1", 1)) is not None


def test_reloaded_timeouts_apply_to_next_sessions_and_earlier_ones_keep_theirs():
    """Setting config with other timeouts: a session started before keeps its deadline,
    one started after gets the new one."""
    factory = _factory(session_timeout=10.0)
    before = _open(factory, env=True)
    factory.config = FastAGIConfig(session_timeout=2.0)
    after = _open(factory, env=True)
    with capturedLogs():
        factory.clock.advance(2.0)
        assert (before.outcome, after.outcome) == (None, "timeout")
        factory.clock.advance(8.0)
    assert before.outcome == "timeout"


def test_drain_fires_when_the_last_connection_closes():
    """drain() fires at once with no connection, else when the last one has closed."""
    factory = _factory()
    fired = []
    factory.drain().addCallback(fired.append)
    assert fired == [None]
    protocol = _open(factory, env=True)
    factory.drain().addCallback(fired.append)
    assert fired == [None]
    protocol.connectionLost()
    assert fired == [None, None]


def test_handlers_copied():
    """The factory keeps its own copy of the handler registry."""
    handlers = {"a": print}
    factory = FastAGIFactory(handlers, FastAGIConfig(), Clock(), AgidMetrics())
    handlers["b"] = print
    assert set(factory.handlers) == {"a"}


def test_stop_serving_waits_for_calls_then_closes_the_rest():
    """Stopping: sessions in flight may finish within drain_timeout; then the rest are
    closed, and the Deferred fires once all are gone."""
    factory = _factory(drain_timeout=5.0)
    quick, slow = _open(factory, env=True), _open(factory, env=True)
    fired = []
    with capturedLogs():
        factory.stop_serving().addCallback(fired.append)
        quick.connectionLost()
        factory.clock.advance(4.9)
        assert fired == [] and not slow.transport.disconnecting
        factory.clock.advance(0.1)
    assert slow.transport.disconnecting and fired == []
    slow.connectionLost()
    assert fired == [None] and factory.clock.getDelayedCalls() == []
