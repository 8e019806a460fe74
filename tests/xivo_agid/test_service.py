"""Tests of the xivo-agid service assembly and its command-line options."""

import pytest
from twisted.application.service import IServiceMaker, MultiService
from twisted.internet.testing import MemoryReactorClock
from twisted.plugin import getPlugins
from twisted.python import usage

from xivo_agid.config import AgidConfig, ListenConfig
from xivo_agid.handlers.monitoring import MonitoringHandler
from xivo_agid.service import Options, build_handlers, makeService


def test_listens_with_configured_address_port_backlog():
    """The service listens on listen.address:port with the configured backlog."""
    reactor = MemoryReactorClock()
    config = AgidConfig(listen=ListenConfig(address="127.0.0.2", port=4599, backlog=300))
    service = makeService(config, reactor)
    service.startService()
    (port, factory, backlog, interface) = reactor.tcpServers[0]
    assert (port, backlog, interface) == (4599, 300, "127.0.0.2")
    assert isinstance(factory.handlers["monitoring"], MonitoringHandler)
    assert factory.config == config.fastagi
    service.stopService()


def test_build_handlers_registers_monitoring():
    """build_handlers returns at least the monitoring handler."""
    handlers = build_handlers(AgidConfig(), MemoryReactorClock(), MultiService())
    assert isinstance(handlers["monitoring"], MonitoringHandler)


def test_options_load_config(tmp_path):
    """--config loads and validates the file; no option gives the defaults."""
    path = tmp_path / "c.yml"
    path.write_text("listen: {port: 4600}\n")
    options = Options()
    options.parseOptions(["--config", str(path)])
    assert options["agid_config"].listen.port == 4600
    options = Options()
    options.parseOptions([])
    assert options["agid_config"] == AgidConfig()


def test_options_bad_config_is_usage_error(tmp_path):
    """A wrong file is a UsageError naming the key (twistd prints it and exits 1)."""
    path = tmp_path / "c.yml"
    path.write_text("fastagi: {header_timeout: soon}\n")
    with pytest.raises(usage.UsageError, match="fastagi.header_timeout"):
        Options().parseOptions(["--config", str(path)])


def test_plugin_makes_service():
    """The twistd plugin xivo-agid builds a MultiService from its options."""
    makers = {p.tapname: p for p in getPlugins(IServiceMaker)}
    maker = makers["xivo-agid"]
    options = maker.options()
    options.parseOptions([])
    assert isinstance(maker.makeService(options), MultiService)
