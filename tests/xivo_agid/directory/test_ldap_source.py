"""Tests for xivo_agid.directory._ldap_source."""

import pytest
from ldaptor.protocols import pureldap
from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from xivo.config import ConfigError, build
from xivo_agid.directory._ldap_source import LdapSource, LdapSourceConfig, build_search

RAW = {
    "type": "ldap",
    "uri": "ldap://127.0.0.1:389",
    "base_dn": "ou=people,dc=example,dc=com",
    "bind_dn": "cn=admin,dc=example,dc=com",
    "bind_password": "hunter2",
    "first_matched_columns": ["telephoneNumber", "mobile"],
    "format_columns": {"reverse": "{cn}"},
    "timeout": 0.3,
}


def config(**extra):
    return build(LdapSourceConfig, {**RAW, **extra}, "sources.ldap_corp")


def test_filter_is_an_or_of_equality_matches_per_column_and_candidate():
    """Each (column, candidate) pair is one equality assertion under one OR."""
    request = build_search(config(), ["+33123456789", "0123456789"])
    assert isinstance(request.filter, pureldap.LDAPFilter_or)
    pairs = [(m.attributeDesc.value, m.assertionValue.value) for m in request.filter]
    assert pairs == [
        ("telephoneNumber", "+33123456789"),
        ("telephoneNumber", "0123456789"),
        ("mobile", "+33123456789"),
        ("mobile", "0123456789"),
    ]
    assert request.sizeLimit == 1
    assert request.attributes == ["cn"]


def test_filter_metacharacters_stay_literal_values():
    """A number holding filter syntax is sent as one literal value, not parsed as a filter."""
    evil = "*)(uid=*"
    request = build_search(config(), [evil])
    (match,) = list(request.filter)[:1]
    assert isinstance(match, pureldap.LDAPFilter_equalityMatch)
    assert match.assertionValue.value == evil
    assert evil.encode() in request.toWire()


def test_password_not_in_repr():
    """The bind password never appears in the settings' repr."""
    assert "hunter2" not in repr(config())


def test_bad_uri_is_a_config_error_naming_the_key():
    """A non-ldap:// uri is refused with the key path."""
    with pytest.raises(ConfigError, match="sources.ldap_corp.uri"):
        config(uri="http://x")


class FakeConnection:
    def __init__(self, entries):
        self.entries = entries
        self.requests = []

    def search(self, request):
        self.requests.append(request)
        return succeed(self.entries)


def test_entry_attributes_render_case_insensitively():
    """Attribute names match the template whatever their case; values are decoded UTF-8."""
    source = LdapSource("ldap_corp", config(), reactor=Clock())
    entry = pureldap.LDAPSearchResultEntry(
        objectName=b"uid=a", attributes=[(b"CN", [b"\xc3\x89lodie Laurent"])]
    )
    source._connection = FakeConnection([entry])
    out = []
    source.lookup(["1"]).addBoth(out.append)
    assert out[0].name == "Élodie Laurent" and out[0].source == "ldap_corp"


def test_no_entry_is_no_match():
    """No entry found gives None."""
    source = LdapSource("ldap_corp", config(), reactor=Clock())
    source._connection = FakeConnection([])
    out = []
    source.lookup(["1"]).addBoth(out.append)
    assert out == [None]


def test_unreachable_server_is_down_from_start_without_a_lookup():
    """The connection is opened at start (no lookup needed): health is down until the
    bind, down with the error when the server is unreachable, and checked again every
    PROBE_INTERVAL seconds."""
    from twisted.internet.error import ConnectionRefusedError
    from twisted.internet.testing import MemoryReactorClock
    from twisted.python.failure import Failure

    reactor = MemoryReactorClock()
    source = LdapSource("ldap_corp", config(), reactor=reactor)
    assert source.health()[0] is False
    source.startService()
    assert len(reactor.tcpClients) == 1
    reactor.tcpClients[0][2].clientConnectionFailed(None, Failure(ConnectionRefusedError()))
    ok, details = source.health()
    assert not ok and details["connected"] is False and "refused" in details["error"]
    reactor.advance(LdapSource.PROBE_INTERVAL)
    assert len(reactor.tcpClients) == 2
    source.stopService()
    reactor.advance(LdapSource.PROBE_INTERVAL * 3)
    assert len(reactor.tcpClients) == 2
