"""A CTI user and a profile (what it may see and do)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ALL_COMMANDS", "ALL_LISTS", "BUILTIN_PROFILES", "Profile", "User"]

ALL_LISTS = frozenset({"users", "phones", "queues", "queuemembers", "agents"})
ALL_COMMANDS = frozenset(
    {
        "dial",
        "agentlogin",
        "agentlogout",
        "listen",
        "hangup",
        "transfer",
        "atxfer",
        "queueadd",
        "queueremove",
        "queuepause",
        "queueunpause",
        "chitchat",
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Profile:
    """The lists a user may read, the ipbxcommands it may run, and whether it supervises.

    A supervisor may act on any channel or queue member; others only on their own line.
    """

    name: str
    lists: frozenset[str]
    commands: frozenset[str]
    supervisor: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class User:
    """A CTI account with its phone line (``PJSIP/alice``, ``Custom:alice``)."""

    id: str
    login: str
    password_hash: str = field(repr=False)
    line: str
    extension: str
    context: str
    profile: Profile
    fullname: str = ""
    agent: str = ""
    """The user's app_agent_pool agent id (digits), empty for none."""
    ipbx: str = ""
    """The id of the ipbx (Asterisk) its line belongs to; empty for the default one."""


BUILTIN_PROFILES: dict[str, Profile] = {
    "supervisor": Profile(
        name="supervisor", lists=ALL_LISTS, commands=ALL_COMMANDS, supervisor=True
    ),
    "agent": Profile(
        name="agent",
        lists=ALL_LISTS,
        commands=frozenset(
            {
                "dial",
                "hangup",
                "transfer",
                "atxfer",
                "queuepause",
                "queueunpause",
                "agentlogin",
                "agentlogout",
                "chitchat",
            }
        ),  # fmt: skip
    ),
    "user": Profile(
        name="user",
        lists=frozenset({"users", "phones"}),
        commands=frozenset({"dial", "hangup", "transfer", "atxfer", "chitchat"}),
    ),
}
