"""Tests for xivo_agid.directory._settings: each source's settings validated by type."""

import pytest

from tests.xivo_agid.directory.test_service import SOURCES, agid_config
from xivo.config import ConfigError
from xivo_agid.config import AgidConfig
from xivo_agid.directory._csv_source import CsvSourceConfig
from xivo_agid.directory._settings import build_source_configs


def validate_sources(config):
    return build_source_configs(config.sources, config.reverse_lookup.sources)


def test_default_configuration_is_valid():
    """The embedded defaults (the sample CSV phonebook) validate."""
    (phonebook,) = validate_sources(AgidConfig()).values()
    assert isinstance(phonebook, CsvSourceConfig)


def test_unknown_lookup_source_is_named():
    """A name in reverse_lookup.sources that is not a source is refused by position."""
    with pytest.raises(ConfigError, match=r"reverse_lookup\.sources\[1\]: no source named 'x'"):
        build_source_configs(SOURCES, ["crm", "x"])


@pytest.mark.parametrize(
    "override, key",
    [
        ({"type": "mongo"}, "sources.crm.type"),
        ({"type": "postgresql", "colour": 1}, "sources.crm.colour"),
        ({"type": "postgresql", "timeout": -1}, "sources.crm.timeout"),
        ({"type": "postgresql", "dsn": ""}, "sources.crm.dsn"),
        (
            {"type": "postgresql", "dsn": "dbname=x", "format_columns": {}},
            "sources.crm.format_columns",
        ),
        ({"type": "postgresql", "dsn": "dbname=x", "concurrency": 0}, "sources.crm.concurrency"),
    ],
)
def test_bad_source_settings_name_the_key(override, key):
    """Every wrong source setting raises ConfigError naming sources.<name>.<key>."""
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        agid_config(crm=override)


def test_missing_required_key_is_named():
    """A csv source without a file is refused naming sources.<name>.file."""
    with pytest.raises(ConfigError, match=r"sources\.phonebook\.file"):
        agid_config(phonebook={"type": "csv"})


def test_error_never_shows_the_password():
    """A configuration error about an LDAP source does not echo its bind_password."""
    bad = {**SOURCES["ldap_corp"], "bind_password": "hunter2", "uri": "nope"}
    with pytest.raises(ConfigError) as info:
        agid_config(ldap_corp=bad)
    assert "hunter2" not in str(info.value)
