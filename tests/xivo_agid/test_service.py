"""Tests of the xivo-agid service assembly and its command-line options."""

import dataclasses
import socket

import pytest
from twisted.application.service import IServiceMaker, MultiService
from twisted.internet.defer import succeed
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs
from twisted.plugin import getPlugins
from twisted.python import usage

from tests.xivo_cti.test_service import FakeReactor
from xivo_agid.config import AgidConfig, FastAGIConfig, ListenConfig
from xivo_agid.fastagi.listener import WriteThroughPort
from xivo_agid.handlers.monitoring import MonitoringHandler
from xivo_agid.service import Options, build_handlers, makeService


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


def _reload(reloader):
    out = []
    reloader.reload().addBoth(out.append)
    return out


def test_reload_with_same_config_rereads_data(tmp_path):
    """SIGHUP with unchanged directory keys keeps the sources and re-reads their data."""
    config = _csv_config(tmp_path / "pb.csv")
    top, _checks, reloader = _agid(config, lambda: config)
    directory = top.getServiceNamed("directory")
    reloads = []

    def reload():
        reloads.append(1)
        return succeed(None)

    directory.sources[0].reload = reload
    assert _reload(reloader) == [None]
    assert reloads == [1]
    assert top.getServiceNamed("directory") is directory


def test_reload_with_new_sources_swaps_the_directory(tmp_path):
    """Changed directory keys build new sources, swapped into callerid_lookup and /health."""
    old = _csv_config(tmp_path / "a.csv")
    new = _csv_config(tmp_path / "b.csv", country="BE")
    top, checks, reloader = _agid(old, lambda: new)
    server = top.getServiceNamed("fastagi")
    handler = server.listener.factory.handlers["callerid_lookup"]
    before = top.getServiceNamed("directory")
    assert _reload(reloader) == [None]
    after = top.getServiceNamed("directory")
    assert after is not before and before.parent is None
    assert after.sources[0].config.file == str(tmp_path / "b.csv")
    assert handler.lookup is after.lookup_service
    assert handler.default_country == "BE"
    assert checks.names() == ["directory.pb"]


def test_reload_with_broken_config_keeps_everything(tmp_path):
    """A configuration that does not validate leaves the running directory in place."""
    from xivo.config import ConfigError

    def broken():
        raise ConfigError("sources.pb.type: expected one of csv, postgresql, ldap")

    top, _checks, reloader = _agid(_csv_config(tmp_path / "a.csv"), broken)
    before = top.getServiceNamed("directory")
    with capturedLogs() as events:
        assert _reload(reloader) == [None]
    assert top.getServiceNamed("directory") is before
    assert any("not reloaded" in e.get("log_format", "") for e in events)


def test_reload_applies_fastagi_limits_and_names_restart_keys(tmp_path):
    """Changed fastagi limits reach the factory at once; a changed port is only reported."""
    old = _csv_config(tmp_path / "a.csv")
    new = dataclasses.replace(
        old,
        fastagi=FastAGIConfig(header_timeout=1.0, session_timeout=3.0, max_connections=7),
        listen=ListenConfig(port=4599),
    )
    top, _checks, reloader = _agid(old, lambda: new)
    factory = top.getServiceNamed("fastagi").listener.factory
    directory = top.getServiceNamed("directory")
    with capturedLogs() as events:
        assert _reload(reloader) == [None]
    assert factory.config == new.fastagi
    assert top.getServiceNamed("directory") is directory
    warnings = [e["keys"] for e in events if "restart to apply" in e.get("log_format", "")]
    assert warnings == ["listen"]


def test_reload_with_a_malformed_dsn_is_refused_without_the_password(tmp_path):
    """A new file whose DSN libpq cannot parse is refused: directory kept, the reason
    logged in one line without the password, and nothing said to be reloaded."""
    from tests.logtext import log_text
    from xivo_agid.config import load_config

    path = tmp_path / "agid.yml"
    path.write_text(
        "sources: {crm: {type: postgresql, dsn: 'postgresql://xivo:S3ntinel@[::1/xivo'}}\n"
        "reverse_lookup: {sources: [crm]}\n"
    )
    top, _checks, reloader = _agid(_csv_config(tmp_path / "a.csv"), lambda: load_config(str(path)))
    before = top.getServiceNamed("directory")
    with capturedLogs() as events:
        assert _reload(reloader) == [None]
    assert top.getServiceNamed("directory") is before
    text = log_text(events)
    assert "sources.crm.dsn: not a valid libpq connection string" in text
    assert "S3ntinel" not in text and "reloaded xivo-agid" not in text
