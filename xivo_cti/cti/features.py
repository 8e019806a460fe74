"""``availstate`` (presence) and ``featuresput`` (DND and forwards).

Features are written to the AstDB with AMI ``DBPut``, family ``xivo-features/<extension>``,
keys ``enablednd``, ``enableunc``/``destunc``, ``enablerna``/``destrna``,
``enablebusy``/``destbusy`` (``1``/``0`` and extensions), so the dialplan can read
``${DB(xivo-features/${EXTEN}/enablednd)}``.  Once Asterisk accepted every key, the
values are kept in memory and pushed to clients; they are not re-read from the AstDB at
start-up.
"""

from __future__ import annotations

from typing import Any

from xivo_cti.cti.context import CTIContext
from xivo_cti.cti.errors import CommandError
from xivo_cti.cti.ipbx import send
from xivo_cti.cti.targets import resolve_exten
from xivo_cti.cti.userstatus import PRESENCES
from xivo_cti.users.model import User

__all__ = ["handle_availstate", "handle_featuresput"]

_FORWARDS = (("enableunc", "destunc"), ("enablerna", "destrna"), ("enablebusy", "destbusy"))


def handle_availstate(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Set the user's presence; other clients get it as a users updatestatus push."""
    presence = body.get("availstate")
    if not isinstance(presence, str) or presence not in PRESENCES - {"disconnected"}:
        raise CommandError("unknown_availstate")
    ctx.book.set_presence(user.login, presence)
    return {"class": "availstate", "availstate": presence}


def _parse(ctx: CTIContext, body: dict[str, Any]) -> dict[str, Any]:
    function = body.get("function")
    value = body.get("value")
    if function == "enablednd":
        if not isinstance(value, bool):
            raise CommandError("invalid_value")
        return {"enablednd": value}
    if function == "fwd":
        if not isinstance(value, dict) or not value:
            raise CommandError("invalid_value")
        known = {k for pair in _FORWARDS for k in pair}
        if set(value) - known:
            raise CommandError("invalid_value")
        out: dict[str, Any] = {}
        for enable, dest in _FORWARDS:
            if enable in value:
                if not isinstance(value[enable], bool):
                    raise CommandError("invalid_value")
                out[enable] = value[enable]
            if dest in value:
                out[dest] = resolve_exten(ctx, value[dest]) if value[dest] != "" else ""
        return out
    raise CommandError("unknown_function")


async def handle_featuresput(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Store DND or forwards in the AstDB, then in memory (pushed to clients)."""
    values = _parse(ctx, body)
    family = f"xivo-features/{user.extension}"
    for key, value in values.items():
        text = ("1" if value else "0") if isinstance(value, bool) else value
        await send(ctx, "DBPut", {"Family": family, "Key": key, "Val": text})
    ctx.book.set_features(user.login, values)
    return {"class": "featuresput", "function": body["function"], "status": "OK"}
