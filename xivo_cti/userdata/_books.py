"""``ContactBooks``: each user's personal contacts and favourites, read once, kept in memory.

Searches read the memory; changes are written to the store first and applied to the
memory once written, one change at a time.  At most ``max_users`` users are kept (the
least recently used are forgotten and read again when needed).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field

from twisted.internet.defer import Deferred, DeferredLock
from twisted.python.failure import Failure

from xivo_cti.userdata._model import PERSONAL, Contact
from xivo_cti.userdata._store import UserDataStore

__all__ = ["ContactBook", "ContactBooks"]


@dataclass
class ContactBook:
    """One user's personal contacts by id and favourites as (source, entry id)."""

    contacts: dict[str, Contact] = field(default_factory=dict)
    favorites: set[tuple[str, str]] = field(default_factory=set)


class ContactBooks:
    """The contact books of every user, by login."""

    def __init__(self, store: UserDataStore, max_users: int = 500) -> None:
        self._store = store
        self.max_users = max_users
        self._books: OrderedDict[str, ContactBook] = OrderedDict()
        self._loading: dict[str, list[Deferred[ContactBook]]] = {}
        self._lock = DeferredLock()

    def get(self, login: str) -> Deferred[ContactBook]:
        """The book of ``login`` (read from the store if not in memory)."""
        return Deferred.fromCoroutine(self._get(login))

    def cached(self, login: str) -> ContactBook | None:
        """The book of ``login`` if it is in memory."""
        return self._books.get(login)

    async def _get(self, login: str) -> ContactBook:
        book = self._books.get(login)
        if book is not None:
            self._books.move_to_end(login)
            return book
        waiters = self._loading.get(login)
        if waiters is not None:  # being read: wait for that read
            waiter: Deferred[ContactBook] = Deferred()
            waiters.append(waiter)
            return await waiter
        self._loading[login] = waiters = []
        try:
            contacts = await self._store.contacts(login)
            favorites = await self._store.favorites(login)
        except Exception:
            del self._loading[login]
            failure = Failure()
            for waiter in waiters:
                waiter.errback(failure)
            raise
        del self._loading[login]
        book = ContactBook({c.id: c for c in contacts}, favorites)
        self._books[login] = book
        while len(self._books) > self.max_users:
            self._books.popitem(last=False)
        for waiter in waiters:
            waiter.callback(book)
        return book

    async def save(self, login: str, contacts: Sequence[Contact]) -> ContactBook:
        """Add or replace contacts."""
        async with self._lock:
            book = await self._get(login)
            await self._store.save_contacts(login, contacts)
            book.contacts.update((c.id, c) for c in contacts)
            return book

    async def delete(self, login: str, ids: Sequence[str] | None) -> ContactBook:
        """Delete contacts (``ids`` None: all) and their favourite marks."""
        async with self._lock:
            book = await self._get(login)
            await self._store.delete_contacts(login, ids)
            gone = list(book.contacts) if ids is None else ids
            for contact_id in gone:
                book.contacts.pop(contact_id, None)
                book.favorites.discard((PERSONAL, contact_id))
            return book

    async def set_favorite(self, login: str, source: str, entry_id: str, on: bool) -> None:
        """Mark or unmark a favourite."""
        async with self._lock:
            book = await self._get(login)
            await self._store.set_favorite(login, source, entry_id, on)
            if on:
                book.favorites.add((source, entry_id))
            else:
                book.favorites.discard((source, entry_id))
