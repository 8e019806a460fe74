"""``availstate`` (presence) and ``featuresput`` (DND and forwards).

Features are written to the AstDB with AMI ``DBPut``, family ``xivo-features/<extension>``,
keys ``enablednd``, ``enableunc``/``destunc``, ``enablerna``/``destrna``,
``enablebusy``/``destbusy`` (``1``/``0`` and extensions), so the dialplan can read
``${DB(xivo-features/${EXTEN}/enablednd)}``.  Once Asterisk accepted every key, the
values are kept in memory and pushed to clients.

After each AMI login and each new user table, ``follow_astdb_features`` reads the whole
family back (``DBGetTree``) and replaces every user's features with what the AstDB holds
for the user's extension, so clients see what the dialplan does, also after a restart
of xivo-ctid.  A read that fails on a live connection is tried again later.  Values
read back are checked as strictly as what clients send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from xivo_cti.ami.errors import AMIError
from xivo_cti.ami.message import Message
from xivo_cti.cti.context import CTIContext
from xivo_cti.cti.errors import CommandError
from xivo_cti.cti.ipbx import send
from xivo_cti.cti.targets import resolve_exten
from xivo_cti.cti.userstatus import FEATURE_DEFAULTS, UserStatusBook
from xivo_cti.users.model import User
from xivo_cti.users.store import UserStore

__all__ = [
    "ASTDB_FAMILY",
    "READ_RETRY_FIRST",
    "READ_RETRY_MAX",
    "follow_astdb_features",
    "handle_availstate",
    "handle_featuresput",
    "parse_features_tree",
    "read_features",
]

ASTDB_FAMILY = "xivo-features"
_FORWARDS = (("enableunc", "destunc"), ("enablerna", "destrna"), ("enablebusy", "destbusy"))
#: A destination read back: what ``resolve_exten`` accepts, or empty (none).
_STORED_DEST = re.compile(r"[0-9*#+]{0,40}")

log = Logger()


def handle_availstate(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Set the user's presence (one its current presence allows, see ``cti.presences``);
    other clients get it as a users updatestatus push."""
    presence = body.get("availstate")
    presences = ctx.config.presences
    if not isinstance(presence, str) or presence not in presences or presence == "disconnected":
        raise CommandError("unknown_availstate")
    current = ctx.book.status(user.login)["availstate"]
    allowed = presences[current].allowed if current in presences else ()
    if presence != current and presence not in allowed:
        raise CommandError(f"availstate_not_allowed:{current}")
    ctx.book.set_presence(user.login, presence)
    return {"class": "availstate", "availstate": presence}


def _parse(ctx: CTIContext, body: dict[str, Any]) -> dict[str, Any]:
    function = body.get("function")
    value = body.get("value")
    if function == "enablednd":
        if not isinstance(value, bool):
            raise CommandError("invalid_value")
        return {"enablednd": value}
    if function == "fwd":
        if not isinstance(value, dict) or not value:
            raise CommandError("invalid_value")
        known = {k for pair in _FORWARDS for k in pair}
        if set(value) - known:
            raise CommandError("invalid_value")
        out: dict[str, Any] = {}
        for enable, dest in _FORWARDS:
            if enable in value:
                if not isinstance(value[enable], bool):
                    raise CommandError("invalid_value")
                out[enable] = value[enable]
            if dest in value:
                out[dest] = resolve_exten(ctx, value[dest]) if value[dest] != "" else ""
        return out
    raise CommandError("unknown_function")


async def handle_featuresput(ctx: CTIContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Store DND or forwards in the AstDB, then in memory (pushed to clients)."""
    values = _parse(ctx, body)
    family = f"{ASTDB_FAMILY}/{user.extension}"
    for key, value in values.items():
        text = ("1" if value else "0") if isinstance(value, bool) else value
        await send(ctx, "DBPut", {"Family": family, "Key": key, "Val": text})
    ctx.book.set_features(user.login, values)
    return {"class": "featuresput", "function": body["function"], "status": "OK"}


def _shown(text: str) -> str:
    """AstDB text made safe for a log line (escaped, at most 80 characters)."""
    return text[:80].encode("unicode_escape").decode()


def parse_features_tree(items: Iterable[Message]) -> dict[str, dict[str, Any]]:
    """Features by extension from ``DBGetTreeResponse`` events.

    An entry is ``Key: /xivo-features/<extension>/<feature>`` (Asterisk 22) or the same
    path split over ``Family`` and ``Key``.  Entries of other families and unknown
    features are skipped; an ``enable*`` value other than ``1``/``0`` or a ``dest*``
    value that is not a dial string is skipped with a warning naming the entry (not the
    value).
    """
    stored: dict[str, dict[str, Any]] = {}
    for item in items:
        family, key, text = item.get("Family"), item.get("Key", ""), item.get("Val")
        path = f"{family}/{key}" if family else key
        parts = path.removeprefix("/").split("/")
        if len(parts) != 3 or parts[0] != ASTDB_FAMILY or text is None:
            continue
        _, exten, feature = parts
        default = FEATURE_DEFAULTS.get(feature)
        if default is None:
            continue
        if isinstance(default, bool):
            valid, value = text in ("0", "1"), text == "1"
        else:
            valid, value = _STORED_DEST.fullmatch(text) is not None, text
        if not valid:
            log.warn(
                "AstDB {family}/{key}: invalid value ignored",
                family=_shown(f"{ASTDB_FAMILY}/{exten}"),
                key=feature,
            )
            continue
        stored.setdefault(exten, {})[feature] = value
    return stored


async def read_features(ami: Any, users: UserStore, book: UserStatusBook) -> bool:
    """Replace every user's features in ``book`` with the AstDB's; False if not read.

    ``ami`` is an ``AMIClientService`` (or ``AMIProtocol``).  An empty family is an
    empty list (Asterisk 22): every feature goes back to its default.  An error answer
    (e.g. the AMI user may not read the AstDB), a timeout or a lost connection leaves
    ``book`` as it was.
    """
    try:
        _response, items = await ami.send_action_list("DBGetTree", {"Family": ASTDB_FAMILY})
    except AMIError as e:
        log.warn("features not read back from the AstDB: {error}", error=e)
        return False
    stored = parse_features_tree(items)
    book.replace_features({user.login: stored.get(user.extension, {}) for user in users.all()})
    log.info("AstDB features read back: {count} extension(s)", count=len(stored))
    return True


READ_RETRY_FIRST = 30.0
READ_RETRY_MAX = 600.0
"""A failed read is tried again after 30 s, then twice as long each time, up to 10 min."""


class _FeaturesFollower:
    """Reads the features after each login and user table; retries a failed read."""

    def __init__(self, ami: Any, users: UserStore, book: UserStatusBook, clock: Any) -> None:
        self._ami, self._users, self._book, self._clock = ami, users, book, clock
        self._retry: Any = None
        self._delay = READ_RETRY_FIRST

    def read(self) -> None:
        self._cancel_retry()
        d = Deferred.fromCoroutine(read_features(self._ami, self._users, self._book))
        d.addCallbacks(self._read_done, self._read_failed)

    def connection_changed(self, connected: bool) -> None:
        if connected:
            self._delay = READ_RETRY_FIRST  # a new connection starts afresh
            self.read()
        else:
            self._cancel_retry()  # the next login reads anyway

    def users_changed(self) -> None:
        if self._ami.connected:
            self.read()

    def _read_done(self, read: bool) -> None:
        if read:
            self._delay = READ_RETRY_FIRST
        elif self._ami.connected and self._retry is None:
            log.info("AstDB features: next read in {seconds:.0f}s", seconds=self._delay)
            self._retry = self._clock.callLater(self._delay, self._retry_now)
            self._delay = min(self._delay * 2, READ_RETRY_MAX)

    def _read_failed(self, failure: Any) -> None:
        log.failure("features not read back from the AstDB", failure)

    def _retry_now(self) -> None:
        self._retry = None
        if self._ami.connected:
            self.read()

    def _cancel_retry(self) -> None:
        if self._retry is not None:
            if self._retry.active():
                self._retry.cancel()
            self._retry = None


def follow_astdb_features(ami: Any, users: UserStore, book: UserStatusBook, clock: Any) -> None:
    """Run ``read_features`` after each AMI login and after each new user table.

    A read that fails while the connection stays up (an error answer, a timeout) is
    tried again after ``READ_RETRY_FIRST`` seconds, backing off to ``READ_RETRY_MAX``.
    """
    follower = _FeaturesFollower(ami, users, book, clock)
    ami.add_connection_listener(follower.connection_changed)
    users.on_change(follower.users_changed)
