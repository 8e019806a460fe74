"""Tests of the userdata section and the state directory's choice."""

from __future__ import annotations

import os

import pytest

from xivo.config import ConfigError
from xivo_cti.config import build_config
from xivo_cti.userdata import PRODUCTION_STATE_DIRECTORY, state_directory


def test_limits_are_checked():
    """history_size and max_contacts are 1 or more, flush_interval positive."""
    config = build_config({"userdata": {"history_size": 20}, "state_directory": "/srv/x"})
    assert config.userdata.history_size == 20 and config.state_directory == "/srv/x"
    for key, value in [("history_size", 0), ("max_contacts", -1), ("flush_interval", 0)]:
        with pytest.raises(ConfigError, match=f"userdata.{key}"):
            build_config({"userdata": {key: value}})


def test_configured_directory_wins_then_systemds():
    """The key if set, else the first of systemd's $STATE_DIRECTORY."""
    env = {"STATE_DIRECTORY": "/var/lib/xivo:/var/lib/other"}
    assert state_directory("/srv/ctid", env) == "/srv/ctid"
    assert state_directory("", env) == "/var/lib/xivo"


def test_without_systemd_production_path_or_a_users_own(tmp_path):
    """/var/lib/xivo-ctid when it can be written, else under $XDG_STATE_HOME or ~."""
    env = {"HOME": str(tmp_path), "XDG_STATE_HOME": str(tmp_path / "xdg")}
    chosen = state_directory("", env)
    parent = os.path.dirname(PRODUCTION_STATE_DIRECTORY)
    writable = os.access(PRODUCTION_STATE_DIRECTORY, os.W_OK) or (
        not os.path.exists(PRODUCTION_STATE_DIRECTORY) and os.access(parent, os.W_OK)
    )
    if writable:
        assert chosen == PRODUCTION_STATE_DIRECTORY
    else:
        assert chosen == str(tmp_path / "xdg" / "xivo-ctid")
        del env["XDG_STATE_HOME"]
        assert state_directory("", env) == str(tmp_path / ".local" / "state" / "xivo-ctid")
