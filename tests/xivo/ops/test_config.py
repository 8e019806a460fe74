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
