"""Resolve what clients name (extensions, channels, users, queues) and check the right to act.

Nothing a client sends reaches AMI unless it resolves here: extensions must be made of
dial characters (the whole value: ``fullmatch``), channels, users and queues must exist
in the live state or user table.  Channels and queues are looked up in the ipbx a value
names (``chan:<ipbx>/...``, ``queue:<ipbx>/...``), else in the user's own (a channel,
then in the other ipbx: uniqueids differ between Asterisk servers with a ``systemname``).
"""

from __future__ import annotations

import re
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.state import Channel, LiveState, channel_device
from xivo_cti.users import User

__all__ = [
    "EXTEN",
    "may_act_on",
    "resolve_channel",
    "resolve_exten",
    "resolve_interface",
    "resolve_queue",
]

EXTEN = re.compile(r"[0-9*#+]{1,40}")
"""A dial string a client may name (matched with ``fullmatch``)."""


def _split(value: Any, kind: str) -> tuple[str, str] | None:
    """``kind:ipbx/value`` -> (ipbx, value), plain ``value`` -> ("", value); None for a
    non-string."""
    if not isinstance(value, str):
        return None
    prefix = f"{kind}:"
    if value.startswith(prefix):
        ipbx, _, value = value[len(prefix) :].partition("/")
        return ipbx, value
    return "", value


def _strip(value: Any, kind: str) -> str | None:
    """``kind:ipbx/value`` or plain ``value`` -> ``value``; None for a non-string."""
    split = _split(value, kind)
    return None if split is None else split[1]


def _located(ctx: CommandContext, user: User, value: Any, kind: str) -> tuple[str, str, LiveState]:
    """The ipbx a value names (else the user's), the value, and that ipbx's state."""
    ipbx, key = _split(value, kind) or ("", "")
    ipbx = ipbx or ctx.lists.ipbx_of(user)
    return ipbx, key, ctx.state_of(ipbx)


def resolve_exten(ctx: CommandContext, destination: Any) -> str:
    """An extension from ``exten:xivo/1202``, ``user:xivo/3``, ``phone:xivo/3`` or ``1202``."""
    if isinstance(destination, str) and destination.startswith(("user:", "phone:")):
        kind = destination.split(":", 1)[0]
        target = ctx.users.by_id(_strip(destination, kind) or "")
        if target is None:
            raise CommandError("unknown_destination")
        return target.extension
    exten = _strip(destination, "exten")
    if exten is None or not EXTEN.fullmatch(exten):
        shown = exten[:40] if isinstance(exten, str) else ""
        raise CommandError(f"unreachable_extension:{shown.encode('unicode_escape').decode()}")
    return exten


def resolve_channel(ctx: CommandContext, user: User, value: Any) -> tuple[str, Channel]:
    """A live channel by uniqueid or name (``chan:<ipbx>/<uniqueid or name>`` accepted)
    and its ipbx."""
    named, key = _split(value, "chan") or ("", "")
    home = ctx.lists.ipbx_of(user)
    if named:
        places = [named]
    else:
        places = [home, *(ipbx for ipbx in ctx.lists.states if ipbx != home)]
    for ipbx in places:
        channels = ctx.state_of(ipbx).channels
        channel = channels.get(key)
        if channel is None:
            channel = next((c for c in channels.values() if c.name == key), None)
        if channel is not None:
            return ipbx, channel
    raise CommandError("unknown_channel")


def may_act_on(
    ctx: CommandContext, user: User, ipbx: str, channel: Channel, *, own_only: bool = False
) -> bool:
    """True if the user may act on a channel of ``ipbx``: a supervisor always; others on
    their own line's channels or (unless ``own_only``) on a channel of a call their line
    is in."""
    if user.profile.supervisor:
        return True
    if ipbx != ctx.lists.ipbx_of(user):
        return False
    if channel_device(channel.name) == user.line:
        return True
    if own_only:
        return False
    state = ctx.state_of(ipbx)
    channels = state.channels
    for uniqueid in state.channels_of(user.line):
        mine = channels.get(uniqueid)
        if mine is not None and (
            mine.linkedid == channel.linkedid
            or (mine.bridge_id and mine.bridge_id == channel.bridge_id)
        ):
            return True
    return False


def resolve_queue(ctx: CommandContext, user: User, value: Any) -> tuple[str, str]:
    """A known queue from ``queue:xivo/support`` or ``support``: its ipbx and name."""
    ipbx, name, state = _located(ctx, user, value, "queue")
    if not name or name not in state.queues:
        raise CommandError("unknown_queue")
    return ipbx, name


def resolve_interface(ctx: CommandContext, user: User, value: Any, ipbx: str) -> str:
    """The interface of a member of a queue of ``ipbx`` (``user:xivo/3``, ``phone:xivo/3``,
    an agent, or omitted for oneself); only a supervisor may name someone else than the
    user or its agent."""
    if value is None or value == "":
        target: User | None = user
    elif isinstance(value, str) and value.startswith("agent:"):
        agent_id = _strip(value, "agent") or ""
        if agent_id not in ctx.state_of(ipbx).agents:
            raise CommandError("unknown_member")
        target = None
        interface = f"Agent/{agent_id}"
    else:
        kind = "phone" if isinstance(value, str) and value.startswith("phone:") else "user"
        target = ctx.users.by_id(_strip(value, kind) or "")
        if target is None:
            raise CommandError("unknown_member")
    if target is not None:
        if ctx.lists.ipbx_of(target) != ipbx:
            raise CommandError("unknown_member")
        interface = target.line
    own = (user.line, f"Agent/{user.agent}") if user.agent else (user.line,)
    home = ipbx == ctx.lists.ipbx_of(user)
    if not (home and interface in own) and not user.profile.supervisor:
        raise CommandError("forbidden")
    return interface
