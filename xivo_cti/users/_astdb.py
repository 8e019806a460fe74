"""Features (DND, forwards) read back from the AstDB into the status book.

After each AMI login and each new user table, a ``FeaturesFollower`` reads the whole
family ``xivo-features`` (``DBGetTree``) and replaces every user's features with what
the AstDB holds for the user's extension, so clients see what the dialplan does, also
after a restart of xivo-ctid; the logins whose features changed go to its
``StatusChanged``.  A read that fails on a live connection is tried again later.  Values
read back are checked as strictly as what clients send.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger

from xivo_cti.ami import AMIError, Message
from xivo_cti.users._model import User
from xivo_cti.users._status import FEATURE_DEFAULTS, StatusChanged, UserStatusBook
from xivo_cti.users._store import UserStore

__all__ = [
    "ASTDB_FAMILY",
    "READ_RETRY_FIRST",
    "READ_RETRY_MAX",
    "AstDBReader",
    "FeaturesFollower",
    "parse_features_tree",
    "read_features",
]

ASTDB_FAMILY = "xivo-features"
#: A destination read back: a dial string a client may name, or empty (none).
_STORED_DEST = re.compile(r"[0-9*#+]{0,40}")

log = Logger()


Owns = Callable[[User], bool]
"""Whether a user's line is on the Asterisk of an AstDB (several ipbx)."""


class AstDBReader(Protocol):
    """What the follower needs of the AMI client (``AMIClientService``)."""

    @property
    def connected(self) -> bool: ...

    def send_action_list(
        self, action: str, headers: dict[str, str]
    ) -> Deferred[tuple[Message, list[Message]]]: ...

    def add_connection_listener(self, callback: Callable[[bool], None]) -> Callable[[], None]: ...


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


async def read_features(
    ami: AstDBReader, users: UserStore, book: UserStatusBook, owns: Owns | None = None
) -> list[str] | None:
    """Replace every user's features (those ``owns`` says are of this AstDB's Asterisk)
    in ``book`` with the AstDB's; the logins whose features changed, or None if not read.

    An empty family is an
    empty list (Asterisk 22): every feature goes back to its default.  An error answer
    (e.g. the AMI user may not read the AstDB), a timeout or a lost connection leaves
    ``book`` as it was.
    """
    try:
        _response, items = await ami.send_action_list("DBGetTree", {"Family": ASTDB_FAMILY})
    except AMIError as e:
        log.warn("features not read back from the AstDB: {error}", error=e)
        return None
    stored = parse_features_tree(items)
    mine = [user for user in users.all() if owns is None or owns(user)]
    among = None if owns is None else {user.login for user in mine}
    changed = book.replace_features(
        {user.login: stored.get(user.extension, {}) for user in mine}, among
    )
    log.info("AstDB features read back: {count} extension(s)", count=len(stored))
    return changed


READ_RETRY_FIRST = 30.0
READ_RETRY_MAX = 600.0
"""A failed read is tried again after 30 s, then twice as long each time, up to 10 min."""


class FeaturesFollower:
    """Runs ``read_features`` after each AMI login and, by ``users_changed``, after each
    new user table, for the users ``owns`` says are of this Asterisk (None: every user);
    the logins whose features changed go to ``changed``.

    A read that fails while the connection stays up (an error answer, a timeout) is
    tried again after ``READ_RETRY_FIRST`` seconds, backing off to ``READ_RETRY_MAX``.
    """

    def __init__(
        self,
        ami: AstDBReader,
        users: UserStore,
        book: UserStatusBook,
        clock: IReactorTime,
        changed: StatusChanged,
        owns: Owns | None = None,
    ) -> None:
        self._ami, self._users, self._book, self._clock = ami, users, book, clock
        self._changed, self._owns = changed, owns
        self._retry: IDelayedCall | None = None
        self._delay = READ_RETRY_FIRST
        self._stop_listening = ami.add_connection_listener(self.connection_changed)

    def stop(self) -> None:
        """Stop following (no more reads nor retries)."""
        self._stop_listening()
        self.connection_changed(False)

    def read(self) -> None:
        """Read the features now."""
        self._cancel_retry()
        d = Deferred.fromCoroutine(read_features(self._ami, self._users, self._book, self._owns))
        d.addCallbacks(self._read_done, self._read_failed)

    def connection_changed(self, connected: bool) -> None:
        """The AMI connection logged in (read) or was lost (no retry)."""
        if connected:
            self._delay = READ_RETRY_FIRST  # a new connection starts afresh
            self.read()
        else:
            self._cancel_retry()  # the next login reads anyway

    def users_changed(self) -> None:
        """A new table of users is in place: read for it while connected."""
        if self._ami.connected:
            self.read()

    def _read_done(self, changed: list[str] | None) -> None:
        if changed is not None:
            self._delay = READ_RETRY_FIRST
            self._changed(changed)
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
