"""Tests of xivo_agid.fastagi._server: the interface a connection needs from its server."""

from twisted.internet.task import Clock

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import FastAGIFactory
from xivo_agid.fastagi._server import FastAGIServer
from xivo_agid.metrics import AgidMetrics


def test_the_factory_provides_what_a_connection_needs():
    """FastAGIFactory has every attribute and method of FastAGIServer."""
    factory = FastAGIFactory({"a": print}, FastAGIConfig(), Clock(), AgidMetrics())
    needed = {"handlers", "clock", "peer_log", "config", "connection_opened", "connection_closed"}
    assert needed <= set(dir(FastAGIServer)) | set(FastAGIServer.__annotations__)
    assert all(hasattr(factory, name) for name in needed)
    assert factory.handlers == {"a": print} and isinstance(factory.config, FastAGIConfig)
