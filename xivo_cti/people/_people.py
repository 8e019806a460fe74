"""``People``: the contacts panel's classes, over the CTI users and each user's own book.

Every method takes the logged-in user and the request body and returns the answer (or
an awaitable of it); a refused request raises ``CommandError``.  A request is checked
whole before anything is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.people._contacts import ContactError, contact_from_infos, export_csv, import_csv
from xivo_cti.people._rows import colleague_row, contact_row, headers_message
from xivo_cti.people._search import (
    MAX_PATTERN,
    MAX_RESULTS,
    UserIndex,
    matching_contacts,
    normalized,
)
from xivo_cti.userdata import (
    COLLEAGUES,
    CONTACT_FIELDS,
    PERSONAL,
    Contact,
    ContactBook,
    ContactBooks,
    StoreError,
)
from xivo_cti.users import User

__all__ = ["People"]

Reply = dict[str, Any]


def _entry(body: dict[str, Any]) -> tuple[str, str]:
    source, entry_id = body.get("source"), body.get("source_entry_id")
    if source not in (PERSONAL, COLLEAGUES) or not isinstance(entry_id, str) or not entry_id:
        raise CommandError("unknown_entry")
    return source, entry_id


class People:
    """Search, favourites and personal contacts of CTI users."""

    def __init__(
        self, books: ContactBooks, by_id: Callable[[str], User | None], ipbxid: str,
        max_contacts: int, index: UserIndex | None = None,
    ) -> None:  # fmt: skip
        self.books = books
        self.index = index or UserIndex()
        self._by_id = by_id
        self.ipbxid = ipbxid
        self.max_contacts = max_contacts

    async def _book(self, user: User) -> ContactBook:
        try:
            return await self.books.get(user.login)
        except StoreError:
            raise CommandError("service_unavailable") from None

    def _rows(self, book: ContactBook, contacts: list[Contact], users: list[User]) -> list[Reply]:
        favorites = book.favorites
        rows = [contact_row(c, self.ipbxid, (PERSONAL, c.id) in favorites) for c in contacts]
        rows += [colleague_row(u, self.ipbxid, (COLLEAGUES, u.id) in favorites) for u in users]
        return rows

    def headers(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_headers``: the columns."""
        return headers_message()

    async def search(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_search``: personal contacts, then colleagues, matching ``pattern``."""
        pattern = body.get("pattern")
        if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN:
            raise CommandError("invalid_pattern")
        needle = normalized(pattern)
        book = self.books.cached(user.login) or await self._book(user)
        contacts = matching_contacts(book.contacts.values(), needle, MAX_RESULTS)
        users = self.index.search(needle, MAX_RESULTS - len(contacts))
        return {"class": "people_search_result", "term": pattern,
                "results": self._rows(book, contacts, users)}  # fmt: skip

    async def favorites(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_favorites``: the entries the user starred that still exist."""
        book = await self._book(user)
        contacts = [
            book.contacts[i] for s, i in book.favorites if s == PERSONAL and i in book.contacts
        ]
        users = [
            u for s, i in book.favorites if s == COLLEAGUES and (u := self._by_id(i)) is not None
        ]
        return {"class": "people_favorites_result", "results": self._rows(book, contacts, users)}

    async def personal_contacts(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_personal_contacts``: every personal contact of the user."""
        book = await self._book(user)
        rows = self._rows(book, list(book.contacts.values()), [])
        return {"class": "people_personal_contacts_result", "results": rows}

    async def set_favorite(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_set_favorite``: star or unstar a colleague or a personal contact."""
        source, entry_id = _entry(body)
        favorite = body.get("favorite")
        if not isinstance(favorite, bool):
            raise CommandError("invalid_favorite")
        book = await self._book(user)
        exists = entry_id in book.contacts if source == PERSONAL else self._by_id(entry_id)
        if favorite and not exists:
            raise CommandError("unknown_entry")
        await self._write(self.books.set_favorite(user.login, source, entry_id, favorite))
        return {"class": "people_favorite_update", "source": source,
                "source_entry_id": entry_id, "favorite": favorite}  # fmt: skip

    async def _write(self, change: Any) -> Any:
        try:
            return await change
        except StoreError:
            raise CommandError("service_unavailable") from None

    async def _own_contact(self, user: User, body: dict[str, Any]) -> tuple[ContactBook, str]:
        source, entry_id = _entry(body)
        book = await self._book(user)
        if source != PERSONAL or entry_id not in book.contacts:
            raise CommandError("unknown_entry")
        return book, entry_id

    async def create(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_create_personal_contact``."""
        contact = _checked(body.get("contact_infos"), str(uuid.uuid4()))
        book = await self._book(user)
        if len(book.contacts) >= self.max_contacts:
            raise CommandError(f"too_many_contacts:{self.max_contacts}")
        await self._write(self.books.save(user.login, [contact]))
        return {"class": "people_personal_contact_created", "contact_infos": _infos(contact)}

    async def edit(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_edit_personal_contact``: replace a contact's fields."""
        _, entry_id = await self._own_contact(user, body)
        contact = _checked(body.get("contact_infos"), entry_id)
        await self._write(self.books.save(user.login, [contact]))
        return {"class": "people_personal_contact_raw_update", "source": PERSONAL,
                "source_entry_id": entry_id, "contact_infos": _infos(contact)}  # fmt: skip

    async def delete(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_delete_personal_contact``."""
        _, entry_id = await self._own_contact(user, body)
        await self._write(self.books.delete(user.login, [entry_id]))
        return {"class": "people_personal_contact_deleted", "source": PERSONAL,
                "source_entry_id": entry_id}  # fmt: skip

    async def purge(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_purge_personal_contacts``: delete every personal contact."""
        await self._write(self.books.delete(user.login, None))
        return {"class": "people_personal_contacts_purged"}

    async def raw(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_personal_contact_raw``: one contact's fields, for the edit dialog."""
        book, entry_id = await self._own_contact(user, body)
        infos = _infos(book.contacts[entry_id])
        return {"class": "people_personal_contact_raw_result", "source": PERSONAL,
                "source_entry_id": entry_id, "contact_infos": infos}  # fmt: skip

    async def import_csv(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_import_personal_contacts_csv``: the valid lines are added, the others
        reported with their errors."""
        book = await self._book(user)
        room = max(self.max_contacts - len(book.contacts), 0)
        found = import_csv(body.get("csv_contacts"), room)
        contacts = [Contact(id=str(uuid.uuid4()), **values) for values in found.valid]
        if contacts:
            await self._write(self.books.save(user.login, contacts))
        return {"class": "people_import_personal_contacts_csv_result",
                "created_count": len(contacts), "failed": found.failed}  # fmt: skip

    async def export_csv(self, user: User, body: dict[str, Any]) -> Reply:
        """``people_export_personal_contacts_csv``: every personal contact as CSV."""
        book = await self._book(user)
        return {"class": "people_export_personal_contacts_csv_result",
                "csv_contacts": export_csv(book.contacts.values())}  # fmt: skip


def _checked(infos: Any, contact_id: str) -> Contact:
    try:
        return contact_from_infos(infos, contact_id)
    except ContactError as e:
        raise CommandError(f"invalid_contact:{e}") from None


def _infos(contact: Contact) -> dict[str, str]:
    return dict(zip(CONTACT_FIELDS, contact.values(), strict=True))


CLASSES: dict[str, Callable[[People, User, dict[str, Any]], Any]] = {
    "people_headers": People.headers,
    "people_search": People.search,
    "people_favorites": People.favorites,
    "people_personal_contacts": People.personal_contacts,
    "people_set_favorite": People.set_favorite,
    "people_create_personal_contact": People.create,
    "people_edit_personal_contact": People.edit,
    "people_delete_personal_contact": People.delete,
    "people_purge_personal_contacts": People.purge,
    "people_personal_contact_raw": People.raw,
    "people_import_personal_contacts_csv": People.import_csv,
    "people_export_personal_contacts_csv": People.export_csv,
}
"""The CTI classes ``People`` answers, to the method answering each."""
