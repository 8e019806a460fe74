"""Answers to what the desktop client asks as soon as it is logged in, and its contacts
and history panels.

The client asks for the IPBX list before any other list (its window stays blank without
the answer); its contacts panel asks for its columns, the user's own ids (``relations``),
searches and personal contacts (``xivo_cti.people``); its history panel for the user's
last calls (``xivo_cti.history``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.history import answer_history
from xivo_cti.people import CLASSES, People, headers_message
from xivo_cti.users import User
from xivo_cti.views import numeric_id

__all__ = ["STARTUP_HANDLERS", "relations"]

Handler = Callable[[CommandContext, User, dict[str, Any]], Any]


def _ipbxlist(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return {"class": "getipbxlist", "ipbxlist": ctx.lists.ipbx_ids()}


def relations(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """The user's own ids (its phone shares its id; its agent, 0 for none) and ipbx."""
    uid = numeric_id(user.id)
    return {
        "class": "relations",
        "data": {"xivo_uuid": ctx.lists.ipbx_of(user), "user_id": uid, "endpoint_id": uid,
                 "agent_id": numeric_id(user.agent)},
    }  # fmt: skip


def _people(method: Callable[[People, User, dict[str, Any]], Any]) -> Handler:
    def handler(ctx: CommandContext, user: User, body: dict[str, Any]) -> Any:
        if ctx.people is None:
            raise CommandError("service_unavailable")
        return method(ctx.people, user, body)

    return handler


def _history(ctx: CommandContext, user: User, body: dict[str, Any]) -> Any:
    if ctx.userdata is None:
        raise CommandError("service_unavailable")
    return answer_history(ctx.userdata, user, body, ctx.lists.ipbx_of(user))


STARTUP_HANDLERS: dict[str, Handler] = {
    "getipbxlist": _ipbxlist,
    "get_relations": relations,
    **{klass: _people(method) for klass, method in CLASSES.items()},
    "people_headers": lambda ctx, user, body: headers_message(),
    "history": _history,
}
