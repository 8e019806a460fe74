"""Tests of people search over colleagues and personal contacts."""

from __future__ import annotations

from tests.xivo_cti.conftest import sample_users
from xivo_cti.people import UserIndex
from xivo_cti.people._search import matching_contacts, normalized
from xivo_cti.userdata import Contact


def test_users_match_on_name_login_or_extension_case_insensitively():
    """A substring of the login, extension or name, sorted by name; bounded."""
    index = UserIndex(sample_users())
    assert [u.login for u in index.search(normalized(" ALI "), 10)] == ["alice"]
    assert [u.login for u in index.search("200", 10)] == ["alice", "bob", "carol"]
    assert [u.login for u in index.search("200", 2)] == ["alice", "bob"]
    assert index.search("", 10) == [] and index.search("zzz", 10) == []
    index.replace(sample_users()[:1])
    assert [u.login for u in index.search("200", 10)] == ["alice"]


def test_contacts_match_on_any_field():
    """Company, email, numbers: any field containing the pattern."""
    contacts = [Contact(id="1", firstname="Ann", company="ACME"),
                Contact(id="2", email="bob@acme.org"), Contact(id="3", number="0612")]  # fmt: skip
    assert [c.id for c in matching_contacts(contacts, "acme", 10)] == ["1", "2"]
    assert [c.id for c in matching_contacts(contacts, "061", 10)] == ["3"]
    assert matching_contacts(contacts, "acme", 1)[0].id == "1"
    assert matching_contacts(contacts, "", 10) == []


def test_a_pattern_never_matches_across_fields():
    """The end of one field and the start of the next are not a match."""
    contacts = [Contact(id="1", firstname="Ann", lastname="Lee")]
    index = UserIndex(sample_users())
    assert matching_contacts(contacts, normalized("ann\nlee"), 10) == []
    assert index.search(normalized("alice\nalice"), 10) == []
    assert [c.id for c in matching_contacts(contacts, normalized("ANN"), 10)] == ["1"]
