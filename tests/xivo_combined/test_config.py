"""Tests for xivo_combined.config."""

import pytest

from xivo.config import ConfigError
from xivo_combined.config import XivoConfig, build_config, load_config, split_keys


def test_no_file_gives_both_defaults():
    """Without a file both sides and the shared HTTP server have their defaults."""
    config = load_config(None)
    assert config == XivoConfig()
    assert config.agid.listen.port == 4573
    assert config.ctid.cti.port == 5003
    assert config.http.port == 9500


def test_keys_go_to_their_side():
    """Each top-level key lands in the daemon that knows it; http is shared."""
    agid, ctid, shared = split_keys(
        {"listen": {"port": 1}, "cache": {}, "ami": {}, "users_file": "f", "http": {}}
    )
    assert set(agid) == {"listen", "cache"}
    assert set(ctid) == {"ami", "users_file"}
    assert set(shared) == {"http"}


def test_one_file_configures_both(tmp_path):
    """One YAML file sets FastAGI, AMI, CTI and HTTP keys."""
    path = tmp_path / "xivo.yml"
    path.write_text(
        "listen: {port: 14573}\n"
        "cache: {ttl: 5}\n"
        "ami: {port: 15038}\n"
        "cti: {port: 15003}\n"
        "http: {port: 19500}\n"
    )
    config = load_config(str(path))
    assert config.agid.listen.port == 14573
    assert config.agid.cache.ttl == 5
    assert config.ctid.ami.port == 15038
    assert config.ctid.cti.port == 15003
    assert config.http.port == 19500


def test_unknown_top_level_key_is_named(tmp_path):
    """A key neither daemon knows is refused by name."""
    path = tmp_path / "xivo.yml"
    path.write_text("listen: {port: 1}\nlistn: {port: 2}\n")
    with pytest.raises(ConfigError, match=r"xivo\.yml: listn: unknown key"):
        load_config(str(path))


def test_nested_errors_keep_their_key_path():
    """A bad nested value on either side names its full key path."""
    with pytest.raises(ConfigError, match=r"cache\.ttl"):
        build_config({"cache": {"ttl": "x"}})
    with pytest.raises(ConfigError, match=r"ami\.port"):
        build_config({"ami": {"port": 99999}})
    with pytest.raises(ConfigError, match=r"http\.port"):
        build_config({"http": {"port": -1}})


def test_combined_process_uses_smaller_cti_slices():
    """Without the keys, the combined process takes 10 AMI events and 10 writes per pass."""
    for config in (load_config(None), build_config({"ami": {"port": 5039}, "cti": None})):
        assert config.ctid.ami.events_per_pass == 10
        assert config.ctid.cti.writes_per_pass == 10
    assert config.ctid.ami.port == 5039


def test_file_budgets_win_over_combined_ones():
    """Budgets set in the file are kept as they are."""
    config = build_config({"ami": {"events_per_pass": 100}, "cti": {"writes_per_pass": 50}})
    assert config.ctid.ami.events_per_pass == 100
    assert config.ctid.cti.writes_per_pass == 50


def test_bad_section_still_named():
    """A section that is not a mapping is refused with its key, not hidden by the budgets."""
    with pytest.raises(ConfigError, match="ami"):
        build_config({"ami": "oops"})
