"""The desktop client's own call classes, acting on the user's current call.

``answer`` (optional ``unique_id``, as the 18.01 switchboard sends it) picks up the user's
ringing call: an Originate of the user's line, carrying ``_XIVO_AUTOANSWER=1`` for the
phone (or its dialplan) to answer at once, into ``PickupChan`` of the ringing channel.
``hangup``, ``direct_transfer`` and ``attended_transfer`` (``number``),
``complete_transfer`` and ``cancel_transfer`` carry no channel: they act on the user's
current call, the newest channel of the user's line that is in a bridge (for ``hangup``,
else the newest channel of the line, e.g. one still ringing).  Each request is planned
whole by a pure function (the live channels in, one AMI action or a ``CommandError`` out)
before anything is sent:

- ``hangup``: ``Hangup`` of that channel;
- ``direct_transfer``: ``BlindTransfer`` of it to ``number`` in the user's context (Asterisk
  sends the other party there and hangs up the user's side);
- ``attended_transfer``: ``Atxfer`` to ``number`` (Asterisk needs an ``atxfer`` code in
  features.conf's ``[featuremap]``); the transferer and transferee are remembered;
- ``complete_transfer``: ``Hangup`` of the transferer, which makes Asterisk bridge the
  transferee with the target;
- ``cancel_transfer``: ``CancelAtxfer``, which hangs up the target and brings the user
  back to the transferee.

Complete and cancel are refused unless the consultation is really going on (the
transferer in another bridge than the transferee): Asterisk would otherwise hang up the
call, or answer success for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._targets import resolve_exten
from xivo_cti.commands._transfers import Transfer, plan_transfer_end
from xivo_cti.state import Bridge, Channel, LiveState
from xivo_cti.users import User

__all__ = ["CALL_HANDLERS", "COMMAND_OF", "bridge_peer", "current_channel", "ringing_channel"]

#: The profile command (``Profile.commands``) each class needs.
COMMAND_OF = {
    "answer": "dial",
    "hangup": "hangup",
    "direct_transfer": "transfer",
    "attended_transfer": "atxfer",
    "complete_transfer": "atxfer",
    "cancel_transfer": "atxfer",
}


def current_channel(
    channels: Mapping[str, Channel], line_channels: Iterable[str], *, bridged: bool
) -> Channel:
    """The user's newest bridged line channel (``bridged``) else newest line channel."""
    mine = [channels[u] for u in line_channels if u in channels]
    in_bridge = [c for c in mine if c.bridge_id]
    if in_bridge:
        return in_bridge[-1]
    if mine and not bridged:
        return mine[-1]
    raise CommandError("no_call")


#: Asterisk's ``ChannelState`` of a phone's channel that rings.
RINGING = 5


def ringing_channel(
    channels: Mapping[str, Channel], line_channels: Iterable[str], unique_id: Any
) -> Channel:
    """The user's ringing line channel ``unique_id`` (a string), or the oldest one."""
    if unique_id is not None and not isinstance(unique_id, str):
        raise CommandError("no_call")
    for uniqueid in line_channels:
        channel = channels.get(uniqueid)
        if (
            channel is not None
            and channel.state == RINGING
            and not channel.bridge_id
            and unique_id in (None, "", uniqueid)
        ):
            return channel
    raise CommandError("no_call")


def bridge_peer(bridges: Mapping[str, Bridge], channel: Channel) -> str:
    """The uniqueid of the other channel in ``channel``'s bridge (the first, if several)."""
    bridge = bridges.get(channel.bridge_id)
    others = [u for u in bridge.channels if u != channel.uniqueid] if bridge is not None else []
    if not others:
        raise CommandError("no_call")
    return others[0]


def _authorised(user: User, klass: str) -> None:
    if COMMAND_OF[klass] not in user.profile.commands:
        raise CommandError("forbidden")


def _current(state: LiveState, user: User, *, bridged: bool) -> Channel:
    return current_channel(state.channels, state.channels_of(user.line), bridged=bridged)


async def _answer(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    _authorised(user, "answer")
    _, state, asterisk = ctx.home(user)
    lines = state.channels_of(user.line)
    channel = ringing_channel(state.channels, lines, body.get("unique_id"))
    await asterisk.originate_application(
        user.line,
        application="PickupChan",
        data=channel.name,
        callerid=f'"{user.fullname}" <{user.extension}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
        variables={"_XIVO_AUTOANSWER": "1"},
    )
    return {"class": "answer", "unique_id": channel.uniqueid}


async def _hangup(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    _authorised(user, "hangup")
    _, state, asterisk = ctx.home(user)
    channel = _current(state, user, bridged=False)
    await asterisk.send("Hangup", {"Channel": channel.name})
    return {"class": "hangup"}


async def _direct_transfer(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    _authorised(user, "direct_transfer")
    exten = resolve_exten(ctx, body.get("number"))
    _, state, asterisk = ctx.home(user)
    channel = _current(state, user, bridged=True)
    headers = {"Channel": channel.name, "Exten": exten, "Context": user.context}
    await asterisk.send("BlindTransfer", headers)
    return {"class": "direct_transfer", "number": exten}


async def _attended_transfer(
    ctx: CommandContext, user: User, body: dict[str, Any]
) -> dict[str, Any]:
    _authorised(user, "attended_transfer")
    exten = resolve_exten(ctx, body.get("number"))
    _, state, asterisk = ctx.home(user)
    channel = _current(state, user, bridged=True)
    peer = bridge_peer(state.bridges, channel)
    headers = {"Channel": channel.name, "Exten": exten, "Context": user.context}
    await asterisk.send("Atxfer", headers)
    ctx.transfers.started(user.login, Transfer(channel.uniqueid, peer))
    return {"class": "attended_transfer", "number": exten}


def _transfer_end(klass: str, *, complete: bool) -> Any:
    async def handler(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
        _authorised(user, klass)
        transfer = ctx.transfers.get(user.login)
        _, state, asterisk = ctx.home(user)
        try:
            action, headers = plan_transfer_end(state.channels, transfer, complete=complete)
        except CommandError:
            ctx.transfers.pop(user.login)
            raise
        await asterisk.send(action, headers)
        ctx.transfers.pop(user.login)
        return {"class": klass}

    return handler


CALL_HANDLERS = {
    "answer": _answer,
    "hangup": _hangup,
    "direct_transfer": _direct_transfer,
    "attended_transfer": _attended_transfer,
    "complete_transfer": _transfer_end("complete_transfer", complete=True),
    "cancel_transfer": _transfer_end("cancel_transfer", complete=False),
}
