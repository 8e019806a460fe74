"""Tests for the user status book (presence, features) and the changes it returns."""

from __future__ import annotations

from xivo_cti.users import UserStatusBook


def test_replace_features_returns_only_changed_logins() -> None:
    """replace_features returns the logins whose shown features changed, not the others."""
    book = UserStatusBook()
    book.set_features("bob", {"enablednd": True})
    book.set_features("carol", {"enablednd": False})
    changed = book.replace_features({"alice": {"destunc": "12"}, "bob": {}, "carol": {}})
    assert changed == ["alice", "bob"]
    assert book.status("bob")["enablednd"] is False and book.status("alice")["destunc"] == "12"


def test_presence_change_returned_only_when_it_changes() -> None:
    """set_presence returns the login when the presence changed, nothing when it is the same."""
    book = UserStatusBook()
    assert book.set_presence("bob", "away") == ["bob"]
    assert book.set_presence("bob", "away") == []
    assert book.set_presence("bob", "available") == ["bob"]


def test_last_session_closed_is_the_change() -> None:
    """With two sessions, closing the first changes nothing; closing the last shows the
    user disconnected and returns the login."""
    book = UserStatusBook()
    assert book.session_opened("bob", "available") == ["bob"]
    assert book.session_opened("bob", "available") == ["bob"]
    assert book.session_closed("bob") == []
    assert book.status("bob")["connection"] == "yes"
    assert book.session_closed("bob") == ["bob"]
    assert book.status("bob")["availstate"] == "disconnected" and not book.online("bob")
