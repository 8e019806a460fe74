"""Presence, DND, call filter and forwards of users, in memory.

Presence starts ``disconnected`` and becomes ``available`` (or the state asked at login)
while the user has a session.  Other nodes on a bus tell the presence their sessions of a
user give (``set_remote``): it is shown while the user has no session here.  Features
(DND, forwards) are also written by the ``featuresput`` command to the AstDB
(``xivo_cti.commands``) so the dialplan can use them, and are replaced by what the AstDB
holds after each AMI login and users reload; this book is what clients see.  Each change
returns the logins whose status it changed; the caller passes them on (to
``StatusChanged``, the feed's ``status_changed`` in xivo-ctid).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

__all__ = ["FEATURE_DEFAULTS", "StatusChanged", "UserStatusBook"]

StatusChanged = Callable[[Sequence[str]], None]
"""Where the logins whose status changed go (the pushes to clients)."""

FEATURE_DEFAULTS: dict[str, Any] = {
    "enablednd": False,
    "incallfilter": False,
    "enableunc": False,
    "destunc": "",
    "enablerna": False,
    "destrna": "",
    "enablebusy": False,
    "destbusy": "",
}


class UserStatusBook:
    """Per-login presence, session count and features; every change returns the logins
    whose status it changed."""

    def __init__(self) -> None:
        self._presence: dict[str, str] = {}
        self._remote: dict[str, str] = {}
        self._sessions: dict[str, int] = {}
        self._features: dict[str, dict[str, Any]] = {}

    def status(self, login: str) -> dict[str, Any]:
        """The ``updatestatus`` body of a user."""
        if self._sessions.get(login, 0) > 0 or login not in self._remote:
            presence = self._presence.get(login, "disconnected")
        else:
            presence = self._remote[login]
        return {
            "availstate": presence,
            "connection": "no" if presence == "disconnected" else "yes",
            **self.features(login),
        }

    def features(self, login: str) -> dict[str, Any]:
        """A user's DND and forwards (every key of ``FEATURE_DEFAULTS``)."""
        return {**FEATURE_DEFAULTS, **self._features.get(login, {})}

    def online(self, login: str) -> bool:
        """True while ``login`` has a logged-in session (on this node)."""
        return login in self._sessions

    def local_presence(self, login: str) -> str:
        """The presence the sessions on this node give ``login`` (``disconnected``: none)."""
        return self._presence.get(login, "disconnected") if self.online(login) else "disconnected"

    def local_presences(self) -> dict[str, str]:
        """The presence of every user with a session on this node."""
        return {login: self._presence.get(login, "available") for login in self._sessions}

    def set_remote(self, login: str, presence: str | None) -> list[str]:
        """The presence sessions on other nodes give ``login`` (None: no session there); a
        change when what the user shows changed."""
        old = self.status(login)["availstate"]
        if presence is None or presence == "disconnected":
            self._remote.pop(login, None)
        else:
            self._remote[login] = presence
        return [login] if self.status(login)["availstate"] != old else []

    def session_opened(self, login: str, presence: str) -> list[str]:
        """A session of ``login`` finished logging in."""
        self._sessions[login] = self._sessions.get(login, 0) + 1
        self._presence[login] = presence
        return [login]

    def session_closed(self, login: str) -> list[str]:
        """A logged-in session of ``login`` ended (a change once it was the last)."""
        count = self._sessions.get(login, 0) - 1
        if count > 0:
            self._sessions[login] = count
            return []
        self._sessions.pop(login, None)
        self._presence[login] = "disconnected"
        return [login]

    def set_presence(self, login: str, presence: str) -> list[str]:
        """Change a user's presence (one of ``cti.presences``)."""
        if self._presence.get(login) == presence:
            return []
        self._presence[login] = presence
        return [login]

    def set_features(self, login: str, values: dict[str, Any]) -> list[str]:
        """Change some of a user's features (keys of ``FEATURE_DEFAULTS``)."""
        self._features.setdefault(login, {}).update(values)
        return [login]

    def replace_features(
        self, features: Mapping[str, Mapping[str, Any]], among: Collection[str] | None = None
    ) -> list[str]:
        """Set every user's features (or only those of the logins ``among``) to
        ``features[login]`` (defaults for the rest); the logins whose shown features
        changed, sorted."""
        old = self._features
        kept = {} if among is None else {k: v for k, v in old.items() if k not in among}
        self._features = kept | {k: dict(values) for k, values in features.items() if values}
        return [
            login
            for login in sorted(old.keys() | self._features.keys())
            if self._shown(old, login) != self._shown(self._features, login)
        ]

    @staticmethod
    def _shown(features: dict[str, dict[str, Any]], login: str) -> dict[str, Any]:
        return {**FEATURE_DEFAULTS, **features.get(login, {})}
