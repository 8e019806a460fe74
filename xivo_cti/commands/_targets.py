"""Resolve what clients name (extensions, channels, users, queues) and check the right to act.

Nothing a client sends reaches AMI unless it resolves here: extensions must be made of
dial characters (the whole value: ``fullmatch``), channels, users and queues must exist
in the live state or user table.
"""

from __future__ import annotations

import re
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.state import Channel, channel_device
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


def _strip(value: Any, kind: str) -> str | None:
    """``kind:ipbx/value`` or plain ``value`` -> ``value``; None for a non-string."""
    if not isinstance(value, str):
        return None
    prefix = f"{kind}:"
    if value.startswith(prefix):
        _, _, value = value[len(prefix) :].partition("/")
    return value


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


def resolve_channel(ctx: CommandContext, value: Any) -> Channel:
    """A live channel by uniqueid or name (``chan:xivo/<uniqueid or name>`` accepted)."""
    key = _strip(value, "chan")
    if not key:
        raise CommandError("unknown_channel")
    channels = ctx.state.channels
    channel = channels.get(key)
    if channel is None:
        channel = next((c for c in channels.values() if c.name == key), None)
    if channel is None:
        raise CommandError("unknown_channel")
    return channel


def may_act_on(
    ctx: CommandContext, user: User, channel: Channel, *, own_only: bool = False
) -> bool:
    """True if the user may act on a channel: a supervisor always; others on their own
    line's channels or (unless ``own_only``) on a channel of a call their line is in."""
    if user.profile.supervisor or channel_device(channel.name) == user.line:
        return True
    if own_only:
        return False
    channels = ctx.state.channels
    for uniqueid in ctx.state.channels_of(user.line):
        mine = channels.get(uniqueid)
        if mine is not None and (
            mine.linkedid == channel.linkedid
            or (mine.bridge_id and mine.bridge_id == channel.bridge_id)
        ):
            return True
    return False


def resolve_queue(ctx: CommandContext, value: Any) -> str:
    """A known queue name from ``queue:xivo/support`` or ``support``."""
    name = _strip(value, "queue")
    if not name or name not in ctx.state.queues:
        raise CommandError("unknown_queue")
    return name


def resolve_interface(ctx: CommandContext, user: User, value: Any) -> str:
    """The interface of a member (``user:xivo/3``, ``phone:xivo/3``, an agent, or omitted
    for oneself); only a supervisor may name someone else than the user or its agent."""
    if value is None or value == "":
        return user.line
    if isinstance(value, str) and value.startswith("agent:"):
        agent_id = _strip(value, "agent") or ""
        if agent_id not in ctx.state.agents:
            raise CommandError("unknown_member")
        interface = f"Agent/{agent_id}"
    else:
        kind = "phone" if isinstance(value, str) and value.startswith("phone:") else "user"
        target = ctx.users.by_id(_strip(value, kind) or "")
        if target is None:
            raise CommandError("unknown_member")
        interface = target.line
    own = (user.line, f"Agent/{user.agent}") if user.agent else (user.line,)
    if interface not in own and not user.profile.supervisor:
        raise CommandError("forbidden")
    return interface
