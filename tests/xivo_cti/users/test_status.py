"""Tests for the user status book (presence, features) and its change listeners."""

from __future__ import annotations

from xivo_cti.users import UserStatusBook


def test_replace_features_tells_only_changed_logins() -> None:
    """replace_features notifies logins whose shown features changed, not the others."""
    book = UserStatusBook()
    book.set_features("bob", {"enablednd": True})
    book.set_features("carol", {"enablednd": False})
    told: list[str] = []
    book.on_change(told.append)
    book.replace_features({"alice": {"destunc": "12"}, "bob": {}, "carol": {}})
    assert told == ["alice", "bob"]
    assert book.status("bob")["enablednd"] is False and book.status("alice")["destunc"] == "12"


def test_status_listener_removed():
    """A removed listener is no longer told; the others are."""
    book = UserStatusBook()
    first: list[str] = []
    second: list[str] = []
    remove = book.on_change(first.append)
    book.on_change(second.append)
    book.set_presence("bob", "away")
    remove()
    book.set_presence("bob", "available")
    assert first == ["bob"] and second == ["bob", "bob"]
