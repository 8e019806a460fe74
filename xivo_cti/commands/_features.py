"""``availstate`` (presence) and ``featuresput`` (DND and forwards).

Features are written to the AstDB with AMI ``DBPut``, family ``xivo-features/<extension>``,
keys ``enablednd``, ``incallfilter``, ``enableunc``/``destunc``, ``enablerna``/``destrna``,
``enablebusy``/``destbusy`` (``1``/``0`` and extensions), so the dialplan can read
``${DB(xivo-features/${EXTEN}/enablednd)}``.

The whole command is checked before the first ``DBPut``; destinations are written before
the switches that use them, so a failure half-way never leaves a forward turned on with
a destination that was not written.  What Asterisk accepted is kept in memory and pushed
to clients, also when a later key failed.  ``xivo_cti.users.FeaturesFollower`` reads
the family back after each AMI login.
"""

from __future__ import annotations

from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._targets import resolve_exten
from xivo_cti.users import ASTDB_FAMILY, User

__all__ = ["handle_availstate", "handle_featuresput"]

_FORWARDS = (("enableunc", "destunc"), ("enablerna", "destrna"), ("enablebusy", "destbusy"))


def handle_availstate(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Set the user's presence (one its current presence allows, see ``cti.presences``);
    other clients get it as a users updatestatus push."""
    presence = body.get("availstate")
    presences = ctx.presences
    if not isinstance(presence, str) or presence not in presences or presence == "disconnected":
        raise CommandError("unknown_availstate")
    current = ctx.book.status(user.login)["availstate"]
    allowed = presences[current].allowed if current in presences else ()
    if presence != current and presence not in allowed:
        raise CommandError(f"availstate_not_allowed:{current}")
    ctx.status_changed(ctx.book.set_presence(user.login, presence))
    return {"class": "availstate", "availstate": presence}


def _parse(ctx: CommandContext, body: dict[str, Any]) -> dict[str, Any]:
    function = body.get("function")
    value = body.get("value")
    if function in ("enablednd", "incallfilter"):
        if not isinstance(value, bool):
            raise CommandError("invalid_value")
        return {function: value}
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


async def handle_featuresput(
    ctx: CommandContext, user: User, body: dict[str, Any]
) -> dict[str, Any]:
    """Store DND or forwards in the AstDB, then in memory (pushed to clients)."""
    values = _parse(ctx, body)
    family = f"{ASTDB_FAMILY}/{user.extension}"
    _, _, asterisk = ctx.home(user)
    written: dict[str, Any] = {}
    try:
        for key, value in sorted(values.items(), key=_switches_last):
            text = ("1" if value else "0") if isinstance(value, bool) else value
            await asterisk.send("DBPut", {"Family": family, "Key": key, "Val": text})
            written[key] = value
    finally:
        if written:
            ctx.status_changed(ctx.book.set_features(user.login, written))
    return {"class": "featuresput", "function": body["function"], "status": "OK"}


def _switches_last(item: tuple[str, Any]) -> bool:
    return isinstance(item[1], bool)
