"""The ``getlist`` class: ``listid``, ``updateconfig`` and ``updatestatus`` requests, on the
lists of the ipbx ``tipbxid`` names (omitted or unknown: the default one, which the reply
names, as with a single ipbx)."""

from __future__ import annotations

from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.users import User

__all__ = ["handle_getlist"]

_FIELDS = {"updateconfig": "config", "updatestatus": "status"}
# Lists the desktop client always asks for; one the profile may not read (or that the
# server does not keep, voicemails) is an empty list.
CLIENT_LISTS = frozenset({"users", "phones", "agents", "queues", "queuemembers", "voicemails"})


def handle_getlist(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Answer one getlist request, within the lists the user's profile allows."""
    function = body.get("function")
    listname = body.get("listname")
    if not isinstance(listname, str):
        raise CommandError("unknown_or_forbidden_list")
    hidden = function == "listid" and listname in CLIENT_LISTS
    if listname not in user.profile.lists and not hidden:
        raise CommandError("unknown_or_forbidden_list")
    ipbx = body.get("tipbxid")
    if not isinstance(ipbx, str) or ipbx not in ctx.lists.states:
        ipbx = ctx.lists.ipbxid
    reply = {
        "class": "getlist",
        "function": function,
        "listname": listname,
        "tipbxid": ipbx,
    }
    if function == "listid":
        readable = listname in user.profile.lists
        return {**reply, "list": ctx.lists.ids(listname, ipbx) if readable else []}
    if function in _FIELDS:
        tid = body.get("tid")
        if not isinstance(tid, str):
            raise CommandError("missing_tid")
        reader = ctx.lists.config if function == "updateconfig" else ctx.lists.status
        value = reader(listname, tid, ipbx)
        if value is None:
            raise CommandError(f"unknown_id:{tid[:64]}")
        return {**reply, "tid": tid, _FIELDS[function]: value}
    raise CommandError("unknown_function")
