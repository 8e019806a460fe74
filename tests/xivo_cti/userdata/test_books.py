"""Tests of the contact books: read once per user, changed after the store."""

from __future__ import annotations

import pytest

from tests.xivo_cti.userdata.memory import memory_store
from tests.xivo_cti.userdata.test_store import result
from xivo_cti.userdata import COLLEAGUES, PERSONAL, Contact, ContactBooks, StoreError


def test_a_book_is_read_once_then_served_from_memory():
    """Two reads of the same user cost one read of the store (two plans: contacts, marks)."""
    store, runner = memory_store()
    result(store.save_contacts("alice", [Contact(id="a", firstname="Ann")]))
    books = ContactBooks(store)
    before = len(runner.plans)
    first, second = result(books.get("alice")), result(books.get("alice"))
    assert first is second and first.contacts["a"].firstname == "Ann"
    assert len(runner.plans) == before + 2
    assert books.cached("alice") is first and books.cached("bob") is None


def test_changes_reach_the_store_and_the_memory():
    """save, delete and set_favorite: a new ContactBooks reads the same as the old one keeps."""
    store, _ = memory_store()
    books = ContactBooks(store)
    _drive(books.save("alice", [Contact(id="a"), Contact(id="b")]))
    _drive(books.set_favorite("alice", PERSONAL, "a", True))
    _drive(books.set_favorite("alice", COLLEAGUES, "3", True))
    _drive(books.delete("alice", ["a"]))
    kept = result(books.get("alice"))
    fresh = result(ContactBooks(store).get("alice"))
    assert kept.contacts == fresh.contacts == {"b": Contact(id="b")}
    assert kept.favorites == fresh.favorites == {(COLLEAGUES, "3")}


def _drive(coro):
    try:
        coro.send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError("waited")


def test_a_failed_write_leaves_the_memory_as_the_store():
    """The store refused: the book in memory is unchanged."""
    store, runner = memory_store()
    books = ContactBooks(store)
    result(books.get("alice"))
    runner.broken = True
    with pytest.raises(StoreError):
        _drive(books.save("alice", [Contact(id="a")]))
    assert books.cached("alice").contacts == {}


def test_least_recently_used_books_are_forgotten():
    """Past ``max_users`` books, the least recently used is read again when needed."""
    store, _ = memory_store()
    books = ContactBooks(store, max_users=2)
    for login in ("alice", "bob", "alice", "carol"):
        result(books.get(login))
    assert books.cached("bob") is None
    assert books.cached("alice") is not None and books.cached("carol") is not None
