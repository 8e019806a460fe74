"""Tests of the ``cti`` configuration section."""

from __future__ import annotations

import re

import pytest

from xivo.config import ConfigError, build
from xivo_cti.cti._config import CTIConfig


def test_defaults_bound_closing_and_pushes() -> None:
    """close_timeout and push_interval have sane defaults."""
    config = CTIConfig()
    assert config.close_timeout > 0 and 0 <= config.push_interval < 0.05


def test_negative_push_interval_refused() -> None:
    """A negative push_interval is a configuration error naming the key."""
    with pytest.raises(ConfigError, match="push_interval"):
        build(CTIConfig, {"push_interval": -1}, "cti")


def test_zero_push_interval_accepted() -> None:
    """push_interval 0 (flush at the end of each reactor pass) is allowed."""
    assert build(CTIConfig, {"push_interval": 0}, "cti").push_interval == 0


def test_writes_per_pass_must_be_positive() -> None:
    """writes_per_pass defaults to 100; 0 is a configuration error naming the key."""
    assert CTIConfig().writes_per_pass == 100
    with pytest.raises(ConfigError, match="writes_per_pass"):
        build(CTIConfig, {"writes_per_pass": 0}, "cti")


def test_write_time_per_pass_must_be_positive() -> None:
    """write_time_per_pass defaults to 1 ms; 0 is a configuration error naming the key."""
    assert CTIConfig().write_time_per_pass == 0.001
    with pytest.raises(ConfigError, match="write_time_per_pass"):
        build(CTIConfig, {"write_time_per_pass": 0}, "cti")


def test_presences_default_and_validation() -> None:
    """Presences default to XiVO's six; a custom set must keep available and disconnected,
    name known presences in allowed, give a longname and #RRGGBB colours."""
    assert set(CTIConfig().presences) == {
        "available", "away", "berightback", "donotdisturb", "outtolunch", "disconnected"
    }  # fmt: skip
    good = {"available": {"longname": "Here", "allowed": ["available", "busy"]},
            "busy": {"longname": "Busy", "color": "#FF0000"},
            "disconnected": {"longname": "Off"}}  # fmt: skip
    config = build(CTIConfig, {"presences": good}, "cti")
    assert config.presences["available"].allowed == ("available", "busy")
    bad = [
        ({"available": {"longname": "x"}}, "must define 'disconnected'"),
        ({**good, "busy": {"longname": "Busy", "allowed": ["nope"]}}, "busy.allowed"),
        ({**good, "busy": {"longname": "Busy", "allowed": ["disconnected"]}}, "busy.allowed"),
        ({**good, "busy": {"longname": "Busy", "color": "red"}}, "busy.color"),
        ({**good, "busy": {}}, "busy.longname: required"),
        ({**good, "Bad Name": {"longname": "x"}}, "presence name"),
    ]
    for presences, error in bad:
        with pytest.raises(ConfigError, match=f"cti.presences.*{re.escape(error)}"):
            build(CTIConfig, {"presences": presences}, "cti")


def test_tls_mode() -> None:
    """cti.tls.mode is starttls by default, or implicit; anything else is refused."""
    assert CTIConfig().tls.mode == "starttls"
    assert build(CTIConfig, {"tls": {"mode": "implicit"}}, "cti").tls.mode == "implicit"
    with pytest.raises(ConfigError, match="cti.tls.mode"):
        build(CTIConfig, {"tls": {"mode": "ssl"}}, "cti")


def test_tls_minimum_version() -> None:
    """cti.tls.minimum_version defaults to 1.2; 1.0 to 1.3 (also unquoted YAML numbers)
    are accepted, anything else refused."""
    assert CTIConfig().tls.minimum_version == "1.2"
    assert build(CTIConfig, {"tls": {"minimum_version": 1.0}}, "cti").tls.minimum_version == "1.0"
    assert build(CTIConfig, {"tls": {"minimum_version": "1.3"}}, "cti").tls.minimum_version == "1.3"
    with pytest.raises(ConfigError, match="cti.tls.minimum_version"):
        build(CTIConfig, {"tls": {"minimum_version": "0.9"}}, "cti")


def test_password_check_keys() -> None:
    """password_checks 0 means one per core; the queue must hold one check; a negative
    login_cache_ttl is refused and 0 turns the cache off."""
    config = CTIConfig()
    assert config.password_checks == 0 and config.password_check_queue == 1000
    assert config.login_cache_ttl == 600
    assert build(CTIConfig, {"login_cache_ttl": 0}, "cti").login_cache_ttl == 0
    with pytest.raises(ConfigError, match="password_check_queue"):
        build(CTIConfig, {"password_check_queue": 0}, "cti")
    with pytest.raises(ConfigError, match="password_checks"):
        build(CTIConfig, {"password_checks": -1}, "cti")
    with pytest.raises(ConfigError, match="login_cache_ttl"):
        build(CTIConfig, {"login_cache_ttl": -5}, "cti")
