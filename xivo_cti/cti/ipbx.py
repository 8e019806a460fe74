"""The ``ipbxcommand`` class: dial, hangup, transfers and queue membership, through AMI."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from xivo_cti.ami.errors import (
    AMIActionError,
    AMIActionRefused,
    AMIActionTimeout,
    AMIConnectionLost,
    AMINotConnected,
)
from xivo_cti.cti.context import CTIContext
from xivo_cti.cti.errors import CommandError
from xivo_cti.cti.targets import (
    may_act_on,
    resolve_channel,
    resolve_exten,
    resolve_interface,
    resolve_queue,
)
from xivo_cti.users.model import User

__all__ = ["COMMANDS", "call_ami", "handle_ipbxcommand", "send"]

Handler = Callable[[CTIContext, User, dict[str, Any]], Awaitable[dict[str, Any]]]


async def call_ami(ctx: CTIContext, label: str, start: Callable[[], Any]) -> Any:
    """Run one AMI request (``start()`` returns its Deferred), failures as ``CommandError``."""
    if not ctx.ami.connected:
        raise CommandError("ami_not_connected")
    try:
        return await start()
    except AMINotConnected:
        raise CommandError("ami_not_connected") from None
    except AMIActionRefused:
        raise CommandError("refused") from None
    except (AMIActionTimeout, AMIConnectionLost):
        raise CommandError("ami_timeout") from None
    except AMIActionError as e:
        raise CommandError(f"{label}_failed:{e.message.get('Message', '')}") from None


async def send(ctx: CTIContext, action: str, headers: dict[str, str]) -> Any:
    """Send an AMI action, turning AMI failures into ``CommandError``."""
    return await call_ami(ctx, action.lower(), lambda: ctx.ami.send_action(action, headers))


async def _dial(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    exten = resolve_exten(ctx, body.get("destination"))
    await call_ami(
        ctx,
        "originate",
        lambda: ctx.ami.originate(
            user.line,
            exten=exten,
            context=user.context,
            callerid=f'"{user.fullname}" <{user.extension}>',
            timeout_ms=int(ctx.config.originate_timeout * 1000),
        ),
    )
    return {"class": "dial_success", "exten": exten}


def _own_channel(ctx: CTIContext, user: User, value: Any, *, own_only: bool = False) -> Any:
    channel = resolve_channel(ctx, value)
    if not may_act_on(ctx, user, channel, own_only=own_only):
        raise CommandError("forbidden")
    return channel


async def _hangup(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    channel = _own_channel(ctx, user, body.get("channelids") or body.get("channel"))
    await send(ctx, "Hangup", {"Channel": channel.name})
    return {"class": "ipbxcommand", "command": "hangup"}


async def _transfer(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    channel = _own_channel(ctx, user, body.get("source"))
    exten = resolve_exten(ctx, body.get("destination"))
    headers = {"Channel": channel.name, "Exten": exten, "Context": user.context, "Priority": "1"}
    await send(ctx, "Redirect", headers)
    return {"class": "ipbxcommand", "command": "transfer", "exten": exten}


async def _atxfer(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    channel = _own_channel(ctx, user, body.get("source"), own_only=True)
    exten = resolve_exten(ctx, body.get("destination"))
    await send(ctx, "Atxfer", {"Channel": channel.name, "Exten": exten, "Context": user.context})
    return {"class": "ipbxcommand", "command": "atxfer", "exten": exten}


def _queue_command(action: str, command: str, paused: str | None = None) -> Handler:
    async def handler(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
        interface = resolve_interface(ctx, user, body.get("member"))
        headers = {"Interface": interface}
        queue = body.get("queue")
        if queue or action != "QueuePause":
            headers["Queue"] = resolve_queue(ctx, queue)
        if paused is not None:
            headers["Paused"] = paused
        await send(ctx, action, headers)
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
}


async def handle_ipbxcommand(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Run one ipbxcommand the user's profile allows; raises ``CommandError``."""
    command = body.get("command")
    handler = COMMANDS.get(command) if isinstance(command, str) else None
    if handler is None:
        raise CommandError("unknown_command")
    if command not in user.profile.commands:
        raise CommandError("forbidden")
    return await handler(ctx, user, body)
