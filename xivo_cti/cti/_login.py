"""The three-step login (login_id, login_pass, login_capas) of one client session.

Steps must come in order; the password is checked by ``LoginChecks`` (which counts the
attempt against the client's address first); a wrong password is answered only after
``failed_login_delay``; a client that leaves cancels its check.  An accepted password
and the end of the login (reply, subscriptions, presence) go through the context's
``PassQueue``, so a thousand logins at once take many short reactor passes, not one.
The old ``hashedpassword`` (sha1 of session id and plaintext) cannot be checked against
stored hashes and is refused.  Protocol 2.3 clients (Wazo Client 17.16 and later) name
their version ``wazoversion``, older ones ``xivoversion`` (2.2): the answer uses the
client's key, and a version error reads ``<key>_client:<client>;<server>``, the form
each client parses.  Errors use the ids the desktop client shows as a sentence.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from xivo_cti.cti._capas import login_capas
from xivo_cti.cti._codec import Request
from xivo_cti.cti._context import Connection, CTIContext, GoneConnection
from xivo_cti.users import LoginRefused, User

__all__ = ["LOGIN_CLASSES", "SERVER_VERSION", "LoginFlow"]

SERVER_VERSION = "2.3"
VERSIONS = frozenset({"2.2", SERVER_VERSION})
VERSION_KEYS = ("wazoversion", "xivoversion")
LOGIN_CLASSES = frozenset({"login_id", "login_pass", "login_capas"})
CAPAID = 1
# The error ids the desktop client turns into a sentence (baseengine popupError).
BLOCKED = "xivo_auth_error"  # "The authentication server could not fulfill your request."
"""The answer to a login refused before its check (too many failures, or logins at once)."""


class LoginFlow:
    """Login state of one connection; calls ``on_success(user, presence)`` at the end."""

    log = Logger()

    def __init__(
        self,
        ctx: CTIContext,
        conn: Connection,
        reply: Callable[[Request, dict[str, Any]], None],
        on_success: Callable[[User, str], None],
    ) -> None:
        self.ctx = ctx
        self.conn = conn
        self.reply = reply
        self.on_success = on_success
        self.step = "login_id"
        self.login = ""
        self.user: User | None = None
        self.sessionid = secrets.token_urlsafe(8)
        self._delayed: Any = None
        self._check: Deferred[User | None] | None = None
        self._check_ended = -math.inf
        self.closed = False

    def received(self, req: Request) -> None:
        """Handle one login message."""
        if req.klass != self.step:
            self._error(req, "login_sequence")
            return
        getattr(self, f"_{req.klass}")(req)

    def _error(self, req: Request, error: str) -> None:
        self.reply(req, {"class": req.klass, "error_string": error})

    def _login_id(self, req: Request) -> None:
        key = next((k for k in VERSION_KEYS if k in req.body), VERSION_KEYS[0])
        version = req.body.get(key)
        if not isinstance(version, str) or version not in VERSIONS:
            shown = str(version)[:16].encode("unicode_escape").decode()
            self._error(req, f"{key}_client:{shown};{SERVER_VERSION}")
            return
        login = req.body.get("userlogin")
        if not isinstance(login, str) or not login or len(login) > 128:
            self._error(req, "user_not_found")
            return
        self.login = login
        self.step = "login_pass"
        self.reply(req, {"class": "login_id", "sessionid": self.sessionid, key: version})

    def _login_pass(self, req: Request) -> None:
        password = req.body.get("password")
        if password is None and "hashedpassword" in req.body:
            self._error(req, "hashedpassword_unsupported:send password over TLS")
            return
        if not isinstance(password, str) or len(password) > 1024:
            self._error(req, "login_password")
            return
        self.step = "checking"
        self._check = self.ctx.logins.check(self.login, password, self.conn.peer)
        self._check.addCallbacks(
            self._checked, self._check_failed, callbackArgs=(req,), errbackArgs=(req,)
        )

    @property
    def waited_until(self) -> float:
        """When the server last kept this client waiting for a password check (``inf``
        while it does, ``-inf`` if never): the login timeout counts from there."""
        if self.step in ("checking", "done"):
            return math.inf
        return self._check_ended

    def _checked(self, user: User | None, req: Request) -> None:
        self._check = None
        if user is not None:
            self.ctx.passes.add(lambda: self._accepted(user, req))
            return
        self._check_ended = self.ctx.clock.seconds()
        self.log.info(
            "failed CTI login for {user} from {peer}", user=self.login, peer=self.conn.peer
        )
        self._delayed = self.ctx.clock.callLater(
            self.ctx.config.failed_login_delay, self._refuse, req
        )

    def _accepted(self, user: User, req: Request) -> None:
        if self.closed:
            return
        self._check_ended = self.ctx.clock.seconds()
        self.user = user
        self.step = "login_capas"
        self.reply(req, {"class": "login_pass", "capalist": [CAPAID]})

    def _refuse(self, req: Request) -> None:
        self._delayed = None
        self._check_ended = self.ctx.clock.seconds()
        self.step = "login_pass"
        self._error(req, "login_password")

    def _check_failed(self, failure: Any, req: Request) -> None:
        self._check = None
        self._check_ended = self.ctx.clock.seconds()
        if self.closed:
            return
        self.step = "login_pass"
        if failure.check(LoginRefused):
            self.log.info(
                "CTI login refused from {peer}: {reason}", peer=self.conn.peer,
                reason=failure.value.reason,
            )  # fmt: skip
            self._error(req, BLOCKED)
            return
        self.log.failure("password check failed for {user}", failure, user=self.login)
        self._error(req, "login_password")

    def _login_capas(self, req: Request) -> None:
        user = self.user
        assert user is not None
        if not _is_capaid(req.body.get("capaid")):
            self._error(req, "capaid_undefined")
            return
        presence = req.body.get("state", "available")
        presences = self.ctx.config.presences
        if not isinstance(presence, str) or presence not in presences or presence == "disconnected":
            presence = "available"
        self.step = "done"
        self.ctx.passes.add(lambda: self._completed(user, presence, req))

    def _completed(self, user: User, presence: str, req: Request) -> None:
        if self.closed:
            return
        ipbx = self.ctx.watches.view.ipbx_of(user)
        identity = {"userid": user.id, "ipbxid": ipbx, "presence": presence}
        self.reply(req, login_capas(user.profile, self.ctx.config.presences, **identity))
        self.on_success(user, presence)

    def close(self) -> None:
        """The connection closed: drop pending work, and the references back to the
        session and its connection (nothing left in a cycle)."""
        self.closed = True
        if self._check is not None:
            self._check.cancel()
        if self._delayed is not None and self._delayed.active():
            self._delayed.cancel()
        self._delayed = None
        self.conn = GoneConnection(self.conn.peer)
        self.reply = self.on_success = _closed


def _closed(*_args: Any) -> None:
    """A closed login's reply and success callbacks."""


def _is_capaid(value: Any) -> bool:
    """The profile id as the clients send it: 1, or "1" (Wazo Client 18.01)."""
    if isinstance(value, str):
        return value == str(CAPAID)
    return isinstance(value, int) and not isinstance(value, bool) and value == CAPAID
