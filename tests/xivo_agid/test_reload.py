"""Tests of xivo_agid._reload: the SIGHUP step of xivo-agid and its health checks."""

import dataclasses

from twisted.internet.defer import succeed
from twisted.logger import capturedLogs

from tests.xivo_agid.test_service import _agid, _csv_config
from xivo_agid.config import FastAGIConfig, ListenConfig


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
