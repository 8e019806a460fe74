"""The contacts panel's columns and the rows of colleagues and personal contacts.

Each row carries the ids the client registers for live status: ``user_uuid`` (presence,
on the name), ``endpoint_id`` (phone state, on the number) and ``agent_id`` (0: none).
Colleagues are source ``internal`` with their user id as entry id; personal contacts
source ``personal`` with their own id.
"""

from __future__ import annotations

from typing import Any

from xivo_cti.userdata import COLLEAGUES, PERSONAL, Contact
from xivo_cti.users import User
from xivo_cti.views import numeric_id

__all__ = ["COLUMNS", "colleague_row", "contact_row", "headers_message",
           "user_relations"]  # fmt: skip

COLUMNS = (
    ("Name", "name"),
    ("Number", "number"),
    ("Agent", "agent"),
    ("Mobile", "callable"),
    ("Email", "email"),
    ("Favorite", "favorite"),
    ("Personal", "personal"),
)
"""Header and type of each column; the client hides ``callable`` and ``email`` columns
and offers them in its actions menu; it draws the ``agent`` column from the agent status
it registered for (a colleague with an agent: logged in or out), not from the row."""


def headers_message() -> dict[str, Any]:
    """The ``people_headers_result`` answer."""
    return {
        "class": "people_headers_result",
        "column_headers": [name for name, _ in COLUMNS],
        "column_types": [kind for _, kind in COLUMNS],
    }


def user_relations(user: User, ipbxid: str) -> dict[str, Any]:
    """The ids of a colleague's row (its phone shares its id; its agent, 0 for none)."""
    uid = numeric_id(user.id)
    return {
        "xivo_id": ipbxid,
        "user_id": uid,
        "user_uuid": user.id,
        "endpoint_id": uid,
        "agent_id": numeric_id(user.agent),
        "source_entry_id": user.id,
    }


def colleague_row(user: User, ipbxid: str, favorite: bool) -> dict[str, Any]:
    """A CTI user as a contacts row (``ipbxid``: the default ipbx, for a user without one)."""
    return {
        "column_values": [
            user.fullname or user.login,
            user.extension,
            "",
            "",
            "",
            favorite,
            False,
        ],  # fmt: skip
        "source": COLLEAGUES,
        "relations": user_relations(user, user.ipbx or ipbxid),
    }


def contact_name(contact: Contact) -> str:
    """First and last name, else the company, else the number."""
    name = f"{contact.firstname} {contact.lastname}".strip()
    return name or contact.company or contact.number or contact.mobile


def contact_row(contact: Contact, ipbxid: str, favorite: bool) -> dict[str, Any]:
    """A personal contact as a contacts row (no live status)."""
    return {
        "column_values": [contact_name(contact), contact.number, "", contact.mobile,
                          contact.email, favorite, True],
        "source": PERSONAL,
        "relations": {"xivo_id": ipbxid, "user_id": 0, "user_uuid": "", "endpoint_id": 0,
                      "agent_id": 0, "source_entry_id": contact.id},
    }  # fmt: skip
