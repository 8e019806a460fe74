"""Tests of the xivo-agid service assembly and its command-line options."""

import socket

import pytest
from twisted.application.service import IServiceMaker, MultiService
from twisted.internet.testing import MemoryReactorClock
from twisted.plugin import getPlugins
from twisted.python import usage

from tests.xivo_cti.test_service import FakeReactor
from xivo_agid.config import AgidConfig, ListenConfig
from xivo_agid.fastagi._listener import WriteThroughPort
from xivo_agid.handlers._monitoring import MonitoringHandler
from xivo_agid.service import Options, makeService


def test_listens_with_configured_address_port_backlog():
    """The FastAGI service is set to listen on listen.address:port with the backlog."""
    config = AgidConfig(listen=ListenConfig(address="127.0.0.2", port=4599, backlog=300))
    top, _checks, _reloader = _agid(config)
    listener = top.getServiceNamed("fastagi").listener
    assert (listener.port, listener.backlog, listener.interface) == (4599, 300, "127.0.0.2")
    assert isinstance(listener.factory.handlers["monitoring"], MonitoringHandler)
    assert listener.factory.config == config.fastagi


def test_starting_listens_and_stopping_closes(tmp_path):
    """Starting the daemon opens the FastAGI port for real; stopping closes it."""
    reactor = FakeReactor()
    service = makeService(AgidConfig(listen=ListenConfig(port=0)), reactor)
    service.startService()
    (listener,) = [r for r in reactor.readers if isinstance(r, WriteThroughPort)]
    try:
        address = listener.getHost()
        socket.create_connection((address.host, address.port), timeout=2).close()
    finally:
        service.stopService()
    assert listener not in reactor.readers
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address.host, address.port), timeout=2)


def test_app_wires_one_metrics_object_through_its_parts():
    """AgidApp builds the handlers, the directory and the factory around one AgidMetrics
    registered on the registry it is given."""
    from prometheus_client import CollectorRegistry

    from xivo_agid.service import AgidApp

    registry = CollectorRegistry()
    app = AgidApp(AgidConfig(), MemoryReactorClock(), registry)
    assert isinstance(app.handlers["monitoring"], MonitoringHandler)
    assert app.factory.metrics is app.metrics and app.metrics.registry is registry
    assert app.directory.lookup_service.metrics is app.metrics
    assert app.factory.handlers["callerid_lookup"].lookup is app.directory.lookup_service
    app.metrics.request("monitoring", "ok").inc()
    labels = {"script": "monitoring", "outcome": "ok"}
    assert registry.get_sample_value("xivo_agid_requests_total", labels) == 1.0


def test_options_load_config(tmp_path):
    """--config loads and validates the file; no option gives the defaults."""
    path = tmp_path / "c.yml"
    path.write_text("listen: {port: 4600}\n")
    options = Options()
    options.parseOptions(["--config", str(path)])
    assert options["loaded"].listen.port == 4600
    options = Options()
    options.parseOptions([])
    assert options["loaded"] == AgidConfig()


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


def _csv_config(path, country="FR"):
    from xivo_agid.config import build_config

    return build_config(
        {
            "default_country": country,
            "sources": {
                "pb": {
                    "type": "csv",
                    "file": str(path),
                    "first_matched_columns": ["number"],
                    "format_columns": {"reverse": "{name}"},
                }
            },
            "reverse_lookup": {"sources": ["pb"]},
        }
    )


def _agid(config, read_config=None):
    from xivo.ops.health import HealthChecks
    from xivo.ops.reload import ReloadService
    from xivo_agid.service import build_agid

    reactor = MemoryReactorClock()
    checks = HealthChecks()
    reloader = ReloadService(reactor)
    top = build_agid(config, reactor, checks, reloader, read_config)
    return top, checks, reloader


def test_http_server_on_its_own_port():
    """A lone xivo-agid serves /metrics and /health on http.port (9573 by default)."""
    reactor = FakeReactor()
    service = makeService(AgidConfig(listen=ListenConfig(port=0)), reactor)
    service.startService()
    try:
        ports = [(port, interface) for port, _f, _b, interface in reactor.tcpServers]
        assert ports == [(9573, "127.0.0.1")]
    finally:
        service.stopService()


def test_one_health_check_per_source(tmp_path):
    """Each configured source has a directory.<name> check (down until its file loads)."""
    _top, checks, _reloader = _agid(_csv_config(tmp_path / "missing.csv"))
    assert checks.names() == ["directory.pb"]
    assert checks.report()["checks"]["directory.pb"]["status"] == "down"
