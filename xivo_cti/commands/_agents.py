"""Agent login and logout from the desktop client (``ipbxcommand`` agentlogin/agentlogout).

The identity panel acts on the user's own agent: ``{"command": "agentlogin",
"agentphonenumber": "<number>"}`` (with ``"agentids": "agent:special:me"`` when the client
logs in as an agent) and ``{"command": "agentlogout"}``; the agents panels name one:
``"agentids": "xivo/7"`` or ``"agent:xivo/7"``.  A user acts on its own agent (``agent``
in its user record), a supervisor on any agent of the live state.

Asterisk 22's app_agent_pool has no AMI action that logs an agent in: the agent runs
``AgentLogin()`` on a call.  So a login rings the agent's phone (its user's line, or
``Local/<agentphonenumber>@<context>`` when another number is given) and, once answered,
runs ``AgentLogin(<id>,s)`` there; the call stays up while the agent is logged in.  A
logout is the ``AgentLogoff`` action.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._targets import resolve_exten
from xivo_cti.users import User

__all__ = ["AGENT_COMMANDS", "agent_phone", "resolve_agent"]

_ME = "agent:special:me"
#: A channel name ChanSpy may take as its argument (no separator, quote or line end).
_CHANNEL = re.compile(r"[\w/@.;:+\-]{1,128}", re.ASCII)


def resolve_agent(agents: Mapping[str, Any], user: User, value: Any) -> str:
    """The agent id a command names (the user's own when omitted); raises ``CommandError``:
    ``no_agent``, ``unknown_agent`` or ``forbidden`` (another's agent, not a supervisor)."""
    if value is None or value in ("", _ME):
        if not user.agent:
            raise CommandError("no_agent")
        agent_id = user.agent
    elif isinstance(value, str):
        agent_id = value.removeprefix("agent:").rpartition("/")[2]
    else:
        raise CommandError("unknown_agent")
    if agent_id not in agents:
        raise CommandError("unknown_agent")
    if agent_id != user.agent and not user.profile.supervisor:
        raise CommandError("forbidden")
    return agent_id


def agent_phone(users: Iterable[User], user: User, agent_id: str, number: str) -> str:
    """The channel to ring for a login: ``Local/<number>@<context>`` for a number, else the
    line of the agent's user; raises ``CommandError("no_phone")`` without either."""
    owner = (
        user if user.agent == agent_id else next((u for u in users if u.agent == agent_id), None)
    )
    if number:
        context = owner.context if owner is not None else user.context
        return f"Local/{number}@{context}"
    if owner is None:
        raise CommandError("no_phone")
    return owner.line


async def _login(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    agent_id = resolve_agent(ctx.state.agents, user, body.get("agentids"))
    raw = body.get("agentphonenumber")
    number = resolve_exten(ctx, raw) if raw not in (None, "") else ""
    channel = agent_phone(ctx.users.all(), user, agent_id, number)
    await ctx.asterisk.originate_application(
        channel,
        application="AgentLogin",
        data=f"{agent_id},s",
        callerid=f'"Agent {agent_id}" <{agent_id}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
    )
    return {"class": "ipbxcommand", "command": "agentlogin", "agentid": agent_id}


async def _logout(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    agent_id = resolve_agent(ctx.state.agents, user, body.get("agentids"))
    await ctx.asterisk.send("AgentLogoff", {"Agent": agent_id})
    return {"class": "ipbxcommand", "command": "agentlogout", "agentid": agent_id}


async def _listen(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("subcommand", "start") != "start":
        raise CommandError("unknown_subcommand")
    agent_id = resolve_agent(ctx.state.agents, user, body.get("destination"))
    channel = ctx.state.agents[agent_id].channel
    if not channel:
        raise CommandError("agent_not_logged_in")
    if not _CHANNEL.fullmatch(channel):
        raise CommandError("invalid_channel")
    await ctx.asterisk.originate_application(
        user.line,
        application="ChanSpy",
        data=f"{channel},bds",
        callerid=f'"Listen {agent_id}" <{agent_id}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
    )
    return {"class": "ipbxcommand", "command": "listen", "agentid": agent_id}


AGENT_COMMANDS = {"agentlogin": _login, "agentlogout": _logout, "listen": _listen}
