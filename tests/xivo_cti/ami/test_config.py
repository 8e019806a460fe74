"""Tests for the ami: configuration section."""

from __future__ import annotations

import pytest

from xivo.config import ConfigError, build
from xivo_cti.ami._config import DEFAULT_EVENTS, AMIConfig


def test_defaults_and_issue_keys():
    """The keys of issue 5 build, with defaults for the rest."""
    config = build(
        AMIConfig,
        {
            "host": "10.0.0.1",
            "port": 5039,
            "username": "u",
            "secret": "s",
            "connect_timeout": 2,
            "ping_interval": 5,
            "action_timeout": 3,
        },
        "ami",
    )
    assert (config.host, config.port, config.connect_timeout) == ("10.0.0.1", 5039, 2.0)
    assert config.events == DEFAULT_EVENTS


def test_secret_not_in_repr():
    """The secret never shows in repr (and so not in logs of the config)."""
    assert "hunter2" not in repr(AMIConfig(secret="hunter2"))


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"port": 70000}, "ami.port"),
        ({"ping_interval": 0}, "ami.ping_interval"),
        ({"events_per_pass": 0}, "ami.events_per_pass"),
        ({"time_per_pass": 0}, "ami.time_per_pass"),
        ({"max_list_items": 0}, "ami.max_list_items"),
        ({"max_list_bytes": -1}, "ami.max_list_bytes"),
        ({"events": ""}, "ami.events"),
        ({"events": "call\r\nAction: X"}, "ami.events"),
        ({"nope": 1}, "ami.nope"),
    ],
)
def test_bad_values_name_the_key(data, where):
    """Wrong values raise ConfigError naming the key path."""
    with pytest.raises(ConfigError, match=where.replace(".", r"\.")):
        build(AMIConfig, data, "ami")
