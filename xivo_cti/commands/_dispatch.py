"""``Commands``: a logged-in client's request class to its handler, under the rate limit.

A handler is ``(ctx, user, body) -> reply`` or an awaitable of it, and raises
``CommandError`` to answer with an ``error_string``.  The classes that reach Asterisk
(``LIMITED``) first take a token from the user's ``CommandRate``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._calls import CALL_HANDLERS
from xivo_cti.commands._context import CommandContext
from xivo_cti.commands._features import handle_availstate, handle_featuresput
from xivo_cti.commands._getlist import handle_getlist
from xivo_cti.commands._ipbx import handle_ipbxcommand
from xivo_cti.commands._queuestats import QUEUE_STATS_HANDLERS
from xivo_cti.commands._rate import CommandRate
from xivo_cti.commands._startup import STARTUP_HANDLERS
from xivo_cti.users import User

__all__ = ["HANDLERS", "LIMITED", "Commands", "Reply"]

Reply = dict[str, Any]
Handler = Callable[[CommandContext, User, dict[str, Any]], Reply | Awaitable[Reply]]


def _keepalive(ctx: CommandContext, user: User, body: dict[str, Any]) -> Reply:
    return {"class": "keepalive"}


HANDLERS: dict[str, Handler] = {
    "getlist": handle_getlist,
    "ipbxcommand": handle_ipbxcommand,
    "availstate": handle_availstate,
    "featuresput": handle_featuresput,
    "keepalive": _keepalive,
    **STARTUP_HANDLERS,
    **CALL_HANDLERS,
    **QUEUE_STATS_HANDLERS,
}
LIMITED = frozenset({"ipbxcommand", "featuresput", *CALL_HANDLERS})
"""Classes that act on Asterisk, and so count against the user's command rate."""


class Commands:
    """Runs the commands of logged-in users."""

    def __init__(self, ctx: CommandContext, rate: CommandRate) -> None:
        self.ctx = ctx
        self.rate = rate

    def handles(self, klass: str) -> bool:
        """True if ``klass`` is a command class (after login)."""
        return klass in HANDLERS

    def run(self, user: User, klass: str, body: dict[str, Any]) -> Reply | Awaitable[Reply]:
        """Run one command of ``user`` (``klass`` is one ``handles`` accepts)."""
        if klass in LIMITED and not self.rate.allow(user.login):
            raise CommandError("rate_limited")
        return HANDLERS[klass](self.ctx, user, body)
