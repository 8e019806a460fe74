"""People search: a pattern -> matching colleagues and personal contacts.

Case-insensitive substring of the name, login, extension (colleagues) or any field
(personal contacts).  The colleagues' searchable text is built once per users table, a
contact's when it is read or changed.
"""

from __future__ import annotations

from collections.abc import Iterable

from xivo_cti.userdata import Contact
from xivo_cti.users import User

__all__ = ["MAX_PATTERN", "MAX_RESULTS", "UserIndex", "matching_contacts", "normalized"]

MAX_RESULTS = 100
"""Rows in one answer, personal contacts first."""
MAX_PATTERN = 128
"""Longest pattern searched (longer ones are refused)."""


def normalized(pattern: str) -> str:
    """The pattern as compared: stripped and case-folded; empty (matching nothing) if it
    holds a line break, which would match across the fields of the searched text."""
    needle = pattern.strip().casefold()
    return "" if "\n" in needle else needle


class UserIndex:
    """The CTI users with their searchable text."""

    def __init__(self, users: Iterable[User] = ()) -> None:
        self._entries: list[tuple[str, User]] = []
        self.replace(users)

    def replace(self, users: Iterable[User]) -> None:
        """Index a new users table."""
        self._entries = [
            (f"{u.fullname}\n{u.login}\n{u.extension}".casefold(), u)
            for u in sorted(users, key=lambda u: (u.fullname or u.login).casefold())
        ]

    def search(self, needle: str, limit: int) -> list[User]:
        """Users whose text contains ``needle`` (already ``normalized``), at most ``limit``."""
        found: list[User] = []
        if limit <= 0 or not needle:
            return found
        for text, user in self._entries:
            if needle in text:
                found.append(user)
                if len(found) >= limit:
                    break
        return found


def matching_contacts(contacts: Iterable[Contact], needle: str, limit: int) -> list[Contact]:
    """Personal contacts with a field containing ``needle``, at most ``limit``."""
    found: list[Contact] = []
    if limit <= 0 or not needle:
        return found
    for contact in contacts:
        if needle in contact.search_text:
            found.append(contact)
            if len(found) >= limit:
                break
    return found
