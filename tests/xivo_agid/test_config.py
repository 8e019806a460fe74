"""Tests of the xivo-agid configuration."""

import os

import pytest

from xivo.config import ConfigError
from xivo_agid.config import AgidConfig, build_config, load_config


def write(tmp_path, text):
    """Write a config file and return its path."""
    path = tmp_path / "config.yml"
    path.write_text(text)
    return str(path)


def test_defaults_without_file():
    """No file gives the documented defaults."""
    config = load_config(None)
    assert config == AgidConfig()
    assert (config.listen.address, config.listen.port, config.listen.backlog) == (
        "127.0.0.1",
        4573,
        256,
    )
    assert config.fastagi.header_timeout == 2.0 and config.fastagi.session_timeout == 5.0
    assert config.reverse_lookup.sources == ("phonebook",)
    assert config.sources["phonebook"]["type"] == "csv"
    assert config.sources["phonebook"]["file"].endswith(os.path.join("data", "phonebook.csv"))


def test_file_overrides(tmp_path):
    """Keys given in the file override the defaults; the rest keep theirs."""
    path = write(
        tmp_path,
        "listen: {port: 5000}\nfastagi: {max_connections: 10}\n"
        "sources: {pb: {type: csv, file: /x.csv}}\nreverse_lookup: {sources: [pb]}\n",
    )
    config = load_config(path)
    assert config.listen.port == 5000 and config.listen.address == "127.0.0.1"
    assert config.fastagi.max_connections == 10
    assert config.reverse_lookup.sources == ("pb",)
    assert dict(config.sources["pb"]) == {"type": "csv", "file": "/x.csv"}


def test_empty_file_gives_defaults(tmp_path):
    """An empty file is the same as no file."""
    assert load_config(write(tmp_path, "")) == AgidConfig()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("listen: {bogus: 1}\n", "listen.bogus"),
        ("nope: 1\n", "nope"),
        ("listen: {port: abc}\n", "listen.port"),
        ("listen: {port: 70000}\n", "listen.port"),
        ("fastagi: {session_timeout: 0}\n", "fastagi.session_timeout"),
        ("cache: {ttl: -1}\n", "cache.ttl"),
        ("default_country: france\n", "default_country"),
        ("sources: [a]\n", "sources"),
        ("sources: {pb: 3}\n", "sources.pb"),
        ("reverse_lookup: {sources: [missing]}\n", "reverse_lookup.sources[0]"),
        ("listen: [\n", "invalid YAML"),
    ],
)
def test_bad_file_names_the_key(tmp_path, text, key):
    """A wrong file raises ConfigError naming the file and the key."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert key in str(info.value) and path in str(info.value)


def test_missing_file(tmp_path):
    """An unreadable file is a ConfigError naming it."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(str(tmp_path / "absent.yml"))


def test_build_config_checks_source_names():
    """build_config refuses a lookup source that is not configured."""
    with pytest.raises(ConfigError, match=r"reverse_lookup.sources\[0\]: no source named 'x'"):
        build_config({"sources": {}, "reverse_lookup": {"sources": ["x"]}})


def test_build_config_checks_each_source():
    """A wrong key inside a source stops the configuration, naming the source and key."""
    with pytest.raises(ConfigError, match=r"sources\.crm\.tabel: unknown key"):
        build_config({"sources": {"crm": {"type": "postgresql", "dsn": "dbname=x", "tabel": "t"}}})


def test_http_section_defaults_to_loopback_9573():
    """The metrics/health server listens on 127.0.0.1:9573 unless configured."""

    assert (AgidConfig().http.address, AgidConfig().http.port) == ("127.0.0.1", 9573)
    assert build_config({"http": {"port": 9999, "enabled": False}}).http.enabled is False


def test_fastagi_peer_limits_are_checked():
    """allowed_peers must be addresses or networks; the caps and drain time are checked."""
    config = build_config({"fastagi": {"allowed_peers": ["10.0.0.0/24", "::1"]}})
    assert config.fastagi.allowed_peers == ("10.0.0.0/24", "::1")
    assert AgidConfig().fastagi.allowed_peers == ("127.0.0.1", "::1")
    for fastagi, key in [
        ({"allowed_peers": ["10.0.0.300"]}, "fastagi.allowed_peers: not an IP address"),
        ({"allowed_peers": []}, "fastagi.allowed_peers: needs at least one"),
        ({"max_connections_per_address": 0}, "fastagi.max_connections_per_address"),
        ({"drain_timeout": -1}, "fastagi.drain_timeout"),
    ]:
        with pytest.raises(ConfigError, match=key):
            build_config({"fastagi": fastagi})
