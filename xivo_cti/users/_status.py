"""Presence, DND, call filter and forwards of users, in memory, told to listeners on change.

Presence starts ``disconnected`` and becomes ``available`` (or the state asked at login)
while the user has a session.  Features (DND, forwards) are also written by the
``featuresput`` command to the AstDB (``xivo_cti.commands``) so the dialplan can use them,
and are replaced by what the AstDB holds after each AMI login and users reload; this book
is what clients see.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from xivo.listeners import Listeners

__all__ = ["FEATURE_DEFAULTS", "UserStatusBook"]

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
    """Per-login presence, session count and features; ``on_change`` listeners get the
    login of each user whose status changed."""

    def __init__(self) -> None:
        self._presence: dict[str, str] = {}
        self._sessions: dict[str, int] = {}
        self._features: dict[str, dict[str, Any]] = {}
        self._changed: Listeners[[str]] = Listeners("user status")

    def on_change(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(login)`` after each change of a user's status; returns a remover."""
        return self._changed.add(listener)

    def status(self, login: str) -> dict[str, Any]:
        """The ``updatestatus`` body of a user."""
        connected = self._sessions.get(login, 0) > 0
        return {
            "availstate": self._presence.get(login, "disconnected"),
            "connection": "yes" if connected else "no",
            **self.features(login),
        }

    def features(self, login: str) -> dict[str, Any]:
        """A user's DND and forwards (every key of ``FEATURE_DEFAULTS``)."""
        return {**FEATURE_DEFAULTS, **self._features.get(login, {})}

    def online(self, login: str) -> bool:
        """True while ``login`` has a logged-in session."""
        return login in self._sessions

    def session_opened(self, login: str, presence: str) -> None:
        """A session of ``login`` finished logging in."""
        self._sessions[login] = self._sessions.get(login, 0) + 1
        self._presence[login] = presence
        self._changed.notify(login)

    def session_closed(self, login: str) -> None:
        """A logged-in session of ``login`` ended."""
        count = self._sessions.get(login, 0) - 1
        if count > 0:
            self._sessions[login] = count
            return
        self._sessions.pop(login, None)
        self._presence[login] = "disconnected"
        self._changed.notify(login)

    def set_presence(self, login: str, presence: str) -> None:
        """Change a user's presence (one of ``cti.presences``)."""
        if self._presence.get(login) != presence:
            self._presence[login] = presence
            self._changed.notify(login)

    def set_features(self, login: str, values: dict[str, Any]) -> None:
        """Change some of a user's features (keys of ``FEATURE_DEFAULTS``)."""
        self._features.setdefault(login, {}).update(values)
        self._changed.notify(login)

    def replace_features(self, features: Mapping[str, Mapping[str, Any]]) -> None:
        """Set every user's features to ``features[login]`` (defaults for the rest).

        The listeners hear of each login whose features changed.
        """
        old = self._features
        self._features = {login: dict(values) for login, values in features.items() if values}
        for login in sorted(old.keys() | self._features.keys()):
            if self._shown(old, login) != self._shown(self._features, login):
                self._changed.notify(login)

    @staticmethod
    def _shown(features: dict[str, dict[str, Any]], login: str) -> dict[str, Any]:
        return {**FEATURE_DEFAULTS, **features.get(login, {})}
