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


def test_a_presence_from_other_nodes_shows_without_a_session_here() -> None:
    """set_remote shows another node's presence (returning the login when what is shown
    changed) until a session here gives its own; None or disconnected removes it."""
    book = UserStatusBook()
    assert book.set_remote("alice", "away") == ["alice"]
    assert book.status("alice")["availstate"] == "away"
    assert book.local_presence("alice") == "disconnected" and not book.online("alice")
    book.session_opened("alice", "available")
    assert book.set_remote("alice", "outtolunch") == []
    assert book.status("alice")["availstate"] == "available"
    assert book.local_presences() == {"alice": "available"}
    book.session_closed("alice")
    assert book.status("alice")["availstate"] == "outtolunch"
    assert book.set_remote("alice", None) == ["alice"]
    assert book.status("alice") == {**book.status("alice"), "availstate": "disconnected",
                                    "connection": "no"}  # fmt: skip
