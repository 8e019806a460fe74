"""Tests of the FastAGI factory: connection limit and bookkeeping."""

from twisted.internet.address import IPv4Address
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import FastAGIFactory, FastAGIProtocol

ADDR = IPv4Address("TCP", "127.0.0.1", 40000)


def test_refuses_over_max_connections():
    """Beyond max_connections buildProtocol returns None (closed at once) and logs it."""
    factory = FastAGIFactory({}, FastAGIConfig(max_connections=2), Clock())
    protocols = []
    for _ in range(2):
        p = factory.buildProtocol(ADDR)
        p.makeConnection(StringTransport())
        protocols.append(p)
    with capturedLogs() as events:
        assert factory.buildProtocol(ADDR) is None
    assert any("refusing" in e.get("log_format", "") for e in events)
    protocols[0].connectionLost()
    assert isinstance(factory.buildProtocol(ADDR), FastAGIProtocol)


def test_handlers_copied():
    """The factory keeps its own copy of the handler registry."""
    handlers = {"a": print}
    factory = FastAGIFactory(handlers, FastAGIConfig(), Clock())
    handlers["b"] = print
    assert set(factory.handlers) == {"a"}
