"""The ``getlist`` class: ``listid``, ``updateconfig`` and ``updatestatus`` requests."""

from __future__ import annotations

from typing import Any

from xivo_cti.cti.context import CTIContext
from xivo_cti.cti.errors import CommandError
from xivo_cti.users.model import User

__all__ = ["handle_getlist"]

_FIELDS = {"updateconfig": "config", "updatestatus": "status"}


def handle_getlist(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Answer one getlist request, within the lists the user's profile allows."""
    function = body.get("function")
    listname = body.get("listname")
    if not isinstance(listname, str) or listname not in user.profile.lists:
        raise CommandError("unknown_or_forbidden_list")
    reply = {
        "class": "getlist",
        "function": function,
        "listname": listname,
        "tipbxid": ctx.config.ipbxid,
    }
    if function == "listid":
        return {**reply, "list": ctx.view.ids(listname)}
    if function in _FIELDS:
        tid = body.get("tid")
        if not isinstance(tid, str):
            raise CommandError("missing_tid")
        reader = ctx.view.config if function == "updateconfig" else ctx.view.status
        value = reader(listname, tid)
        if value is None:
            raise CommandError(f"unknown_id:{tid[:64]}")
        return {**reply, "tid": tid, _FIELDS[function]: value}
    raise CommandError("unknown_function")
