"""Tests for xivo_agid.directory._service: building the sources and the lookup."""

import pytest
from twisted.internet.task import Clock

from xivo.config import ConfigError
from xivo_agid.config import build_config
from xivo_agid.directory._csv_source import CsvSource
from xivo_agid.directory._ldap_source import LdapSource
from xivo_agid.directory._pg_source import MAX_BATCH, PostgresSource
from xivo_agid.directory._service import DirectoryService
from xivo_agid.metrics import AgidMetrics

SOURCES = {
    "phonebook": {
        "type": "csv",
        "file": "/tmp/pb.csv",
        "first_matched_columns": ["number", "mobile"],
        "format_columns": {"reverse": "{firstname} {lastname}"},
    },
    "crm": {
        "type": "postgresql",
        "dsn": "dbname=xivo",
        "table": "contacts",
        "format_columns": {"reverse": "{firstname} {lastname}"},
        "timeout": 0.3,
    },
    "ldap_corp": {
        "type": "ldap",
        "uri": "ldap://127.0.0.1:389",
        "base_dn": "ou=people,dc=example,dc=com",
        "first_matched_columns": ["telephoneNumber", "mobile"],
        "format_columns": {"reverse": "{cn}"},
    },
}


def agid_config(order=("crm", "phonebook", "ldap_corp"), **sources):
    return build_config(
        {"reverse_lookup": {"sources": list(order)}, "sources": {**SOURCES, **sources}}
    )


def test_sources_are_built_in_priority_order_with_their_limits():
    """Sources follow reverse_lookup.sources order and carry their own timeout."""
    service = DirectoryService(agid_config(), Clock(), AgidMetrics())
    kinds = [type(s) for s in service.sources]
    assert kinds == [PostgresSource, CsvSource, LdapSource]
    guards = service.lookup_service.sources
    assert [g.name for g in guards] == ["crm", "phonebook", "ldap_corp"]
    assert guards[0].timeout == 0.3
    assert service.lookup_service.timeout == 0.5


def test_source_timeout_not_shorter_than_the_deadline_sets_no_timer():
    """A source whose timeout is not under the lookup deadline gets no timer of its own."""
    service = DirectoryService(agid_config(), Clock(), AgidMetrics())
    guards = service.lookup_service.sources
    assert guards[0].timeout == 0.3  # crm: 0.3 s under the 0.5 s deadline
    assert guards[1].timeout is None  # phonebook: the default 0.5 s, the deadline's


def test_batching_source_takes_more_lookups_than_its_connections():
    """A postgresql source's guard admits pool size x MAX_BATCH lookups, others their setting."""
    service = DirectoryService(agid_config(), Clock(), AgidMetrics())
    guards = service.lookup_service.sources
    assert guards[0].concurrency == service.sources[0].config.concurrency * MAX_BATCH
    assert guards[1].concurrency == service.sources[1].config.concurrency


def test_each_guard_asks_for_its_source_number_format():
    """postgresql and ldap ask for the spellings of their ``number_format`` (``any`` by
    default), csv for the E.164 form its index is keyed by; a bad format is refused."""
    crm = {**SOURCES["crm"], "number_format": "e164"}
    service = DirectoryService(agid_config(crm=crm), Clock(), AgidMetrics())
    formats = [g.number_format for g in service.lookup_service.sources]
    assert formats == ["e164", "e164", "any"]
    with pytest.raises(ConfigError, match="sources.ldap_corp.number_format"):
        agid_config(ldap_corp={**SOURCES["ldap_corp"], "number_format": "national"})
