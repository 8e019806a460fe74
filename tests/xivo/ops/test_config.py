"""Tests for xivo.ops.config."""

import pytest

from xivo.config import ConfigError, build
from xivo.ops.config import OpsHTTPConfig


def test_defaults_listen_on_loopback():
    """With no keys the server is enabled on 127.0.0.1."""
    config = build(OpsHTTPConfig, {})
    assert config.enabled is True
    assert config.address == "127.0.0.1"
    assert config.port == 9500


def test_bad_port_names_the_key():
    """An out-of-range port is refused with the key path in the message."""
    with pytest.raises(ConfigError, match=r"http\.port"):
        build(OpsHTTPConfig, {"port": 70000}, "http")


def test_connection_limits_are_checked():
    """http.timeout and http.max_connections default to 10 s and 20, and must be positive."""
    config = build(OpsHTTPConfig, {})
    assert (config.timeout, config.max_connections) == (10.0, 20)
    for key in ("timeout", "max_connections"):
        with pytest.raises(ConfigError, match=rf"http\.{key}: must be greater than 0"):
            build(OpsHTTPConfig, {key: 0}, "http")
