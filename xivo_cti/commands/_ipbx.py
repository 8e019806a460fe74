"""The ``ipbxcommand`` class: dial, hangup, transfers, queue membership and pause, agent
login and logout, through AMI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._agents import AGENT_COMMANDS
from xivo_cti.commands._asterisk import Asterisk
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._targets import (
    may_act_on,
    resolve_channel,
    resolve_exten,
    resolve_interface,
    resolve_queue,
)
from xivo_cti.state import Channel
from xivo_cti.users import User

__all__ = ["COMMANDS", "handle_ipbxcommand"]

Handler = Callable[[CommandContext, User, dict[str, Any]], Awaitable[dict[str, Any]]]


async def _dial(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    exten = resolve_exten(ctx, body.get("destination"))
    _, _, asterisk = ctx.home(user)
    await asterisk.originate(
        user.line,
        exten=exten,
        context=user.context,
        callerid=f'"{user.fullname}" <{user.extension}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
    )
    return {"class": "dial_success", "exten": exten}


def _own_channel(
    ctx: CommandContext, user: User, value: Any, *, own_only: bool = False
) -> tuple[Asterisk, Channel]:
    ipbx, channel = resolve_channel(ctx, user, value)
    if not may_act_on(ctx, user, ipbx, channel, own_only=own_only):
        raise CommandError("forbidden")
    return ctx.asterisk_of(ipbx), channel


async def _hangup(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    asterisk, channel = _own_channel(ctx, user, body.get("channelids") or body.get("channel"))
    await asterisk.send("Hangup", {"Channel": channel.name})
    return {"class": "ipbxcommand", "command": "hangup"}


async def _transfer(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    asterisk, channel = _own_channel(ctx, user, body.get("source"))
    exten = resolve_exten(ctx, body.get("destination"))
    headers = {"Channel": channel.name, "Exten": exten, "Context": user.context, "Priority": "1"}
    await asterisk.send("Redirect", headers)
    return {"class": "ipbxcommand", "command": "transfer", "exten": exten}


async def _atxfer(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    asterisk, channel = _own_channel(ctx, user, body.get("source"), own_only=True)
    exten = resolve_exten(ctx, body.get("destination"))
    await asterisk.send(
        "Atxfer", {"Channel": channel.name, "Exten": exten, "Context": user.context}
    )
    return {"class": "ipbxcommand", "command": "atxfer", "exten": exten}


def _queue_command(action: str, command: str, paused: str | None = None) -> Handler:
    async def handler(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
        queue = body.get("queue")
        headers: dict[str, str] = {}
        if action != "QueuePause" or not is_all_queues(queue):
            ipbx, headers["Queue"] = resolve_queue(ctx, user, queue)
        else:
            ipbx = _queue_ipbx(queue) or ctx.lists.ipbx_of(user)
        headers["Interface"] = resolve_interface(ctx, user, body.get("member"), ipbx)
        if paused is not None:
            headers["Paused"] = paused
        await ctx.asterisk_of(ipbx).send(action, headers)
        return {"class": "ipbxcommand", "command": command}

    return handler


COMMANDS: dict[str, Handler] = {
    "dial": _dial,
    "hangup": _hangup,
    "transfer": _transfer,
    "atxfer": _atxfer,
    "queueadd": _queue_command("QueueAdd", "queueadd"),
    "queueremove": _queue_command("QueueRemove", "queueremove"),
    "queuepause": _queue_command("QueuePause", "queuepause", "true"),
    "queueunpause": _queue_command("QueuePause", "queueunpause", "false"),
    **AGENT_COMMANDS,
}


def _queue_ipbx(value: Any) -> str:
    """The ipbx of ``queue:<ipbx>/all`` ("" for none)."""
    return value[len("queue:") :].partition("/")[0] if isinstance(value, str) else ""


def is_all_queues(value: Any) -> bool:
    """True for no queue, ``all`` or ``queue:<ipbx>/all``: a pause in every queue of the
    member (QueuePause without ``Queue``)."""
    return value in (None, "", "all") or (
        isinstance(value, str) and value.startswith("queue:") and value.endswith("/all")
    )


async def handle_ipbxcommand(
    ctx: CommandContext, user: User, body: dict[str, Any]
) -> dict[str, Any]:
    """Run one ipbxcommand the user's profile allows; raises ``CommandError``."""
    command = body.get("command")
    handler = COMMANDS.get(command) if isinstance(command, str) else None
    if handler is None:
        raise CommandError("unknown_command")
    if command not in user.profile.commands:
        raise CommandError("forbidden")
    return await handler(ctx, user, body)
