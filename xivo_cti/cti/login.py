"""The three-step login (login_id, login_pass, login_capas) of one client session.

Steps must come in order; the password is checked in a thread; a wrong password is
answered only after ``failed_login_delay`` and counted against the client's address.
The old ``hashedpassword`` (sha1 of session id and plaintext) cannot be checked against
stored hashes and is refused.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from twisted.logger import Logger

from xivo_cti.cti.codec import Request
from xivo_cti.cti.context import Connection, CTIContext
from xivo_cti.cti.userstatus import PRESENCES
from xivo_cti.users.model import User

__all__ = ["LOGIN_CLASSES", "SERVER_VERSION", "LoginFlow"]

SERVER_VERSION = "2.3"
LOGIN_CLASSES = frozenset({"login_id", "login_pass", "login_capas"})
CAPAID = 1


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
        version = req.body.get("xivoversion")
        if version != SERVER_VERSION:
            self._error(req, f"xivoversion_client:{str(version)[:16]};{SERVER_VERSION}")
            return
        login = req.body.get("userlogin")
        if not isinstance(login, str) or not login or len(login) > 128:
            self._error(req, "user_not_found")
            return
        self.login = login
        self.step = "login_pass"
        self.reply(
            req,
            {"class": "login_id", "sessionid": self.sessionid, "xivoversion": SERVER_VERSION},
        )

    def _login_pass(self, req: Request) -> None:
        password = req.body.get("password")
        if password is None and "hashedpassword" in req.body:
            self._error(req, "hashedpassword_unsupported:send password over TLS")
            return
        if not isinstance(password, str) or len(password) > 1024:
            self._error(req, "login_password")
            return
        if self.ctx.limits.login_blocked(self.conn.peer):
            self._error(req, "login_blocked:too many failed logins")
            return
        self.step = "checking"
        d = self.ctx.users.verify(self.login, password)
        d.addCallback(self._checked, req)
        d.addErrback(self._check_failed, req)

    def _checked(self, user: User | None, req: Request) -> None:
        if self.closed:
            return
        if user is None:
            self.ctx.limits.login_failed(self.conn.peer)
            self.log.info(
                "failed CTI login for {user} from {peer}", user=self.login, peer=self.conn.peer
            )
            self._delayed = self.ctx.clock.callLater(
                self.ctx.config.failed_login_delay, self._refuse, req
            )
            return
        self.user = user
        self.step = "login_capas"
        self.reply(req, {"class": "login_pass", "capalist": [CAPAID]})

    def _refuse(self, req: Request) -> None:
        self._delayed = None
        self.step = "login_pass"
        self._error(req, "login_password")

    def _check_failed(self, failure: Any, req: Request) -> None:
        self.log.failure("password check failed for {user}", failure, user=self.login)
        if not self.closed:
            self.step = "login_pass"
            self._error(req, "login_password")

    def _login_capas(self, req: Request) -> None:
        user = self.user
        assert user is not None
        if req.body.get("capaid") != CAPAID:
            self._error(req, "wrong_capaid")
            return
        presence = req.body.get("state", "available")
        if presence not in PRESENCES or presence == "disconnected":
            presence = "available"
        self.step = "done"
        self.reply(req, self._capas(user, presence))
        self.on_success(user, presence)

    def _capas(self, user: User, presence: str) -> dict[str, Any]:
        return {
            "class": "login_capas",
            "userid": user.id,
            "ipbxid": self.ctx.config.ipbxid,
            "appliname": "Client",
            "presence": presence,
            "capaxlets": [],
            "capas": {
                "userstatus": {p: {"longname": p} for p in sorted(PRESENCES)},
                "phonestatus": {"-1": "unknown", "0": "available", "1": "in use", "8": "ringing"},
                "ipbxcommands": sorted(user.profile.commands),
                "lists": sorted(user.profile.lists),
                "services": ["enablednd", "fwdunc", "fwdrna", "fwdbusy"],
                "supervisor": user.profile.supervisor,
            },
        }

    def close(self) -> None:
        """The connection closed: drop pending work."""
        self.closed = True
        if self._delayed is not None and self._delayed.active():
            self._delayed.cancel()
        self._delayed = None
