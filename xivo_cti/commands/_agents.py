"""Agent login and logout from the desktop client (``ipbxcommand`` agentlogin/agentlogout).

The identity panel acts on the user's own agent: ``{"command": "agentlogin",
"agentphonenumber": "<number>"}`` (with ``"agentids": "agent:special:me"`` when the client
logs in as an agent) and ``{"command": "agentlogout"}``; the agents panels name one:
``"agentids": "xivo/7"`` or ``"agent:xivo/7"``.  A user acts on its own agent (``agent``
in its user record, of the user's ipbx), a supervisor on any agent of any ipbx (the one
named, else the supervisor's).

Asterisk 22's app_agent_pool has no AMI action that logs an agent in: the agent runs
``AgentLogin()`` on a call.  So a login rings the agent's phone (its user's line, or
``Local/<agentphonenumber>@<context>`` when another number is given) and, once answered,
runs ``AgentLogin(<id>,s)`` there; the call stays up while the agent is logged in.  A
logout is the ``AgentLogoff`` action.  A supervisor listens (``listen``, ChanSpy rung on
its line) to an agent of its own ipbx only (``other_ipbx``).
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


def agent_ipbx(value: Any) -> str:
    """The ipbx an agent value names (``agent:<ipbx>/7``, ``<ipbx>/7``), "" for none."""
    if not isinstance(value, str) or value == _ME:
        return ""
    return value.removeprefix("agent:").rpartition("/")[0]


def resolve_agent(agents: Mapping[str, Any], user: User, value: Any, *, home: bool = True) -> str:
    """The agent id a command names (the user's own when omitted) among ``agents`` (those
    of the user's own ipbx when ``home``); raises ``CommandError``: ``no_agent``,
    ``unknown_agent`` or ``forbidden`` (another's agent, not a supervisor)."""
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
    if not (home and agent_id == user.agent) and not user.profile.supervisor:
        raise CommandError("forbidden")
    return agent_id


def _agent(ctx: CommandContext, user: User, value: Any) -> tuple[str, str]:
    """The ipbx and id of the agent a command names."""
    ipbx = agent_ipbx(value) or ctx.lists.ipbx_of(user)
    agents = ctx.state_of(ipbx).agents
    return ipbx, resolve_agent(agents, user, value, home=ipbx == ctx.lists.ipbx_of(user))


def agent_phone(users: Iterable[User], user: User, agent_id: str, number: str) -> str:
    """The channel to ring for a login: ``Local/<number>@<context>`` for a number, else the
    line of the agent's user among ``users`` (those of the agent's ipbx); raises
    ``CommandError("no_phone")`` without either."""
    users = list(users)
    owner = (
        user
        if user.agent == agent_id and user in users
        else next((u for u in users if u.agent == agent_id), None)
    )
    if number:
        context = owner.context if owner is not None else user.context
        return f"Local/{number}@{context}"
    if owner is None:
        raise CommandError("no_phone")
    return owner.line


async def _login(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    ipbx, agent_id = _agent(ctx, user, body.get("agentids"))
    raw = body.get("agentphonenumber")
    number = resolve_exten(ctx, raw) if raw not in (None, "") else ""
    users = [u for u in ctx.users.all() if ctx.lists.ipbx_of(u) == ipbx]
    channel = agent_phone(users, user, agent_id, number)
    await ctx.asterisk_of(ipbx).originate_application(
        channel,
        application="AgentLogin",
        data=f"{agent_id},s",
        callerid=f'"Agent {agent_id}" <{agent_id}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
    )
    return {"class": "ipbxcommand", "command": "agentlogin", "agentid": agent_id}


async def _logout(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    ipbx, agent_id = _agent(ctx, user, body.get("agentids"))
    await ctx.asterisk_of(ipbx).send("AgentLogoff", {"Agent": agent_id})
    return {"class": "ipbxcommand", "command": "agentlogout", "agentid": agent_id}


async def _listen(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("subcommand", "start") != "start":
        raise CommandError("unknown_subcommand")
    ipbx, agent_id = _agent(ctx, user, body.get("destination"))
    if ipbx != ctx.lists.ipbx_of(user):
        raise CommandError("other_ipbx")  # ChanSpy runs where the supervisor's line is
    channel = ctx.state_of(ipbx).agents[agent_id].channel
    if not channel:
        raise CommandError("agent_not_logged_in")
    if not _CHANNEL.fullmatch(channel):
        raise CommandError("invalid_channel")
    await ctx.asterisk_of(ipbx).originate_application(
        user.line,
        application="ChanSpy",
        data=f"{channel},bds",
        callerid=f'"Listen {agent_id}" <{agent_id}>',
        timeout_ms=int(ctx.originate_timeout * 1000),
    )
    return {"class": "ipbxcommand", "command": "listen", "agentid": agent_id}


AGENT_COMMANDS = {"agentlogin": _login, "agentlogout": _logout, "listen": _listen}
