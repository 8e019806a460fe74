"""One client session: login first, then whitelisted classes handed to ``Commands``.

Before login only the login classes are accepted.  Afterwards each command class runs
through ``xivo_cti.commands``; a ``CommandError`` becomes an ``error_string`` reply,
and every reply carries the request's ``replyid``.  The classes that attach the session
to pushes (status registrations, the waiting callers ``subscribe``) and the one that
writes to other sessions (``chitchat``) are handled here.
"""

from __future__ import annotations

import inspect
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from xivo_cti.commands import CommandError
from xivo_cti.cti._chat import chitchat
from xivo_cti.cti._codec import Request
from xivo_cti.cti._context import Connection, CTIContext, GoneConnection
from xivo_cti.cti._login import LOGIN_CLASSES, LoginFlow
from xivo_cti.users import User
from xivo_cti.views import WATCH_CLASSES, WatchError, parse_ids

__all__ = ["ClientSession"]

_HERE = frozenset({"subscribe", "chitchat"})


class ClientSession:
    """The application side of one connection."""

    log = Logger()

    def __init__(self, ctx: CTIContext, conn: Connection) -> None:
        self.ctx = ctx
        self.conn = conn
        self.login = LoginFlow(ctx, conn, self.reply, self._logged_in)
        self.user: User | None = None
        self._pending: set[Deferred] = set()

    def reply(self, req: Request, message: dict[str, Any]) -> None:
        """Send a reply carrying the request's ``replyid``."""
        if req.commandid is not None:
            message = {**message, "replyid": req.commandid}
        self.conn.send(message)

    def received(self, req: Request) -> None:
        """Handle one request from the client."""
        if self.user is None:
            if req.klass in LOGIN_CLASSES:
                self.login.received(req)
            else:
                self.reply(req, {"class": req.klass[:64], "error_string": "login_required"})
            return
        if req.klass == "logout":
            self.reply(req, {"class": "logout"})
            self.conn.close("logout")
            return
        watch = req.klass in WATCH_CLASSES
        if not watch and req.klass not in _HERE and not self.ctx.commands.handles(req.klass):
            error = "already_logged_in" if req.klass in LOGIN_CLASSES else "unknown_class"
            self.reply(req, {"class": req.klass[:64], "error_string": error})
            return
        user = self.ctx.users.get(self.user.login)
        if user is None:
            self.reply(req, {"class": req.klass, "error_string": "user_removed"})
            self.conn.close("user removed")
            return
        self.user = user
        if watch:
            self._watch(req)
        elif req.klass == "subscribe":
            self._subscribe(req, user)
        elif req.klass == "chitchat":
            self.reply(req, chitchat(self.ctx, user, req.body))
        else:
            self._run(req, user)

    def _watch(self, req: Request) -> None:
        """register_* / unregister_*_status_update: the current statuses, then the reply."""
        kind, register = WATCH_CLASSES[req.klass]
        watches = self.ctx.watches
        try:
            ids = parse_ids(req.body, kind, watches.view.states)
            if register:
                for message in watches.register(self.conn, kind, ids):
                    self.conn.send(message)
            else:
                watches.unregister(self.conn, kind, ids)
        except WatchError as e:
            self.reply(req, {"class": req.klass, "error_string": e.error_string})
            return
        self.reply(req, {"class": req.klass})

    def _subscribe(self, req: Request, user: User) -> None:
        """``subscribe`` to ``queueentryupdate`` (the waiting callers panel): the queue's
        callers at once (a queue of ``tipbxid``, by default the user's ipbx), then the
        changes of every queue, each tagged with its ipbx (the client keeps its own)."""
        body = req.body
        queue, ipbx = body.get("queueid"), body.get("tipbxid")
        lists = self.ctx.lists
        ipbx = ipbx if isinstance(ipbx, str) and ipbx in lists.states else lists.ipbx_of(user)
        entries = lists.entries(queue, ipbx) if isinstance(queue, str) else None
        if body.get("message") != "queueentryupdate":
            error = "unknown_message"
        elif "queues" not in user.profile.lists:
            error = "forbidden"
        elif entries is None:
            error = "unknown_queue"
        else:
            self.ctx.broadcaster.join(self.conn, ("queueentries",))
            self.conn.send(entries)
            self.reply(req, {"class": "subscribe", "message": "queueentryupdate"})
            return
        self.reply(req, {"class": "subscribe", "error_string": error})

    def _run(self, req: Request, user: User) -> None:
        try:
            result = self.ctx.commands.run(user, req.klass, req.body)
        except CommandError as e:
            self.reply(req, {"class": req.klass, "error_string": e.error_string})
            return
        if not inspect.isawaitable(result):
            self.reply(req, result)
            return
        d = Deferred.fromCoroutine(result)
        self._pending.add(d)
        d.addBoth(self._finished, d, req, user)

    def _finished(self, result: Any, d: Deferred, req: Request, user: User) -> None:
        self._pending.discard(d)
        if isinstance(result, dict):
            self.reply(req, result)
            return
        if result.check(CommandError):
            self.reply(req, {"class": req.klass, "error_string": result.value.error_string})
            return
        self.log.failure("{cls} command of {user} failed", result, cls=req.klass, user=user.login)
        self.reply(req, {"class": req.klass, "error_string": "internal_error"})

    def _logged_in(self, user: User, presence: str) -> None:
        self.user = user
        self.conn.login_finished()
        self.ctx.sessions.opened(user.login, self.conn)
        self.ctx.broadcaster.join(self.conn, user.profile.lists)
        self.ctx.status_changed(self.ctx.book.session_opened(user.login, presence))
        self.log.info("CTI user {user} logged in from {peer}", user=user.login, peer=self.conn.peer)

    def closed(self) -> None:
        """The connection is gone: leave the fan-out at once, mark the user offline if
        last under the context's ``PassQueue`` (its pushes go to every client); late
        replies go to a ``GoneConnection``."""
        self.login.close()
        self.ctx.watches.forget(self.conn)
        if self.user is not None:
            self.ctx.broadcaster.leave(self.conn)
            login = self.user.login
            self.ctx.sessions.closed(login, self.conn)
            changed = self.ctx.status_changed
            self.ctx.passes.add(lambda: changed(self.ctx.book.session_closed(login)))
            self.user = None
        self.conn = GoneConnection(self.conn.peer)
