"""``chitchat``: a text message from a logged-in user to every session of a colleague.

The 18.01 client sends ``{"class":"chitchat","to":[<xivo_id>,<user_uuid>],"text":…,
"alias":…}`` with the ids of the colleague's contacts row, and shows a message carrying
``from`` (the sender's ids) in its chat window for that sender, inserting ``text`` as
HTML.  So the server names the sender itself (the client's ``alias`` is ignored) and
escapes ``&``, ``<`` and ``>``: the receiver sees what was typed.  The colleague's
sessions on other nodes are reached through ``Sessions.relay`` (with a bus), the message
checked and counted here first.  The
18.01 client shows no ``error_string`` for this class: a refusal naming a known colleague
also carries a ``from``/``text`` notice, which it shows in the chat window with them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from xivo_cti.users import User

if TYPE_CHECKING:
    from xivo_cti.cti._context import Connection, CTIContext

__all__ = ["MAX_TEXT", "ChatRelay", "Sessions", "chitchat"]

MAX_TEXT = 3000
"""Characters of one message (four bytes each fit in `cti.max_line_length`'s default)."""

_NOTICES = {
    "forbidden": "your profile may not send messages",
    "empty_text": "the message is empty",
    "text_too_long": f"longer than {MAX_TEXT} characters",
    "rate_limited": "too many messages, try again in a moment",
    "user_offline": "{name} is not connected",
}


class ChatRelay(Protocol):
    """Where messages to colleagues without a session on this node go (the bus)."""

    def reaches(self, login: str) -> bool:
        """Whether ``login`` has sessions elsewhere."""

    def relay(self, login: str, message: dict[str, Any]) -> None:
        """Send ``message`` to the sessions of ``login`` elsewhere."""


class Sessions:
    """The logged-in connections of each user on this node; ``relay`` reaches the others
    (none: only this node's)."""

    def __init__(self) -> None:
        self._of: dict[str, dict[Connection, None]] = {}
        self.relay: ChatRelay | None = None

    def opened(self, login: str, conn: Connection) -> None:
        """``conn`` logged in as ``login``."""
        self._of.setdefault(login, {})[conn] = None

    def closed(self, login: str, conn: Connection) -> None:
        """``conn`` of ``login`` is gone."""
        conns = self._of.get(login, {})
        conns.pop(conn, None)
        if not conns:
            self._of.pop(login, None)

    def of(self, login: str) -> list[Connection]:
        """The connections of ``login`` (none when it is not logged in here)."""
        return list(self._of.get(login, ()))

    def deliver(self, login: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every connection of ``login`` here."""
        for conn in self.of(login):
            conn.send(message)


class _Refused(Exception):
    def __init__(self, error_string: str, target: User | None = None) -> None:
        super().__init__(error_string)
        self.error_string = error_string
        self.target = target


def chitchat(ctx: CTIContext, sender: User, body: Mapping[str, Any]) -> dict[str, Any]:
    """Relay ``body`` from ``sender`` to every session of its recipient; the reply."""
    try:
        target, text = _checked(ctx, sender, body)
        relay = ctx.sessions.relay
        here = bool(ctx.sessions.of(target.login))
        elsewhere = relay is not None and relay.reaches(target.login)
        if not (here or elsewhere):
            raise _Refused("user_offline", target)
        if not ctx.commands.rate.allow(sender.login):
            raise _Refused("rate_limited", target)
    except _Refused as e:
        return _refusal(ctx, e)
    message = {
        "class": "chitchat",
        "from": [ctx.lists.ipbx_of(sender), sender.id],
        "to": [ctx.lists.ipbx_of(target), target.id],
        "alias": _name(sender),
        "text": html.escape(text, quote=False),
    }
    ctx.sessions.deliver(target.login, message)
    if elsewhere and relay is not None:
        relay.relay(target.login, message)
    return {"class": "chitchat", "to": message["to"]}


def _checked(ctx: CTIContext, sender: User, body: Mapping[str, Any]) -> tuple[User, str]:
    """The recipient and the text, or ``_Refused`` before anything is sent."""
    to = body.get("to")
    if not (isinstance(to, list) and len(to) == 2 and all(isinstance(i, str) for i in to)):
        raise _Refused("invalid_recipient")
    target = ctx.users.by_id(to[1])
    if target is None or ctx.lists.ipbx_of(target) != to[0]:
        raise _Refused("unknown_user")
    if "chitchat" not in sender.profile.commands:
        raise _Refused("forbidden", target)
    text = body.get("text")
    if not isinstance(text, str):
        raise _Refused("invalid_text")
    if not text.strip():
        raise _Refused("empty_text", target)
    if len(text) > MAX_TEXT:
        raise _Refused("text_too_long", target)
    return target, text


def _refusal(ctx: CTIContext, e: _Refused) -> dict[str, Any]:
    reply: dict[str, Any] = {"class": "chitchat", "error_string": e.error_string}
    if e.target is not None:
        name = _name(e.target)
        notice = _NOTICES[e.error_string].format(name=name)
        reply["from"] = [ctx.lists.ipbx_of(e.target), e.target.id]
        reply["alias"] = name
        reply["text"] = html.escape(f"(not delivered: {notice})", quote=False)
    return reply


def _name(user: User) -> str:
    """How the contacts panel names a colleague."""
    return user.fullname or user.login
