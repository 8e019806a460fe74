"""Answers to what the desktop client asks as soon as it is logged in.

The client asks for the IPBX list before any other list (its window stays blank without
the answer); its contacts panel asks for its columns, the user's own ids (``relations``)
and the favourites, its history panel for the history.  Contacts search, favourites and
personal contacts, and the call history are not kept yet: those answers are empty lists,
which the panels show as empty.
"""

from __future__ import annotations

from typing import Any

from xivo_cti.commands._context import CommandContext
from xivo_cti.users import User

__all__ = ["STARTUP_HANDLERS", "relations"]

PEOPLE_COLUMNS = (("Name", "name"), ("Number", "number"), ("Favorite", "favorite"))


def _ipbxlist(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return {"class": "getipbxlist", "ipbxlist": [ctx.ipbxid]}


def _people_headers(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return {
        "class": "people_headers_result",
        "column_headers": [name for name, _ in PEOPLE_COLUMNS],
        "column_types": [kind for _, kind in PEOPLE_COLUMNS],
    }


def _numeric(value: str) -> int:
    """The client keeps these ids as integers (0: none)."""
    return int(value) if value.isascii() and value.isdigit() else 0


def relations(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """The user's own ids (its phone shares its id; agents are not linked to users)."""
    uid = _numeric(user.id)
    return {
        "class": "relations",
        "data": {"xivo_uuid": ctx.ipbxid, "user_id": uid, "endpoint_id": uid, "agent_id": 0},
    }


def _empty(reply_class: str) -> Any:
    def handler(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
        return {"class": reply_class, "results": []}

    return handler


def _history(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return {"class": "history", "history": []}


STARTUP_HANDLERS = {
    "getipbxlist": _ipbxlist,
    "people_headers": _people_headers,
    "get_relations": relations,
    "people_favorites": _empty("people_favorites_result"),
    "people_personal_contacts": _empty("people_personal_contacts_result"),
    "history": _history,
}
