"""Users' DND and forwards shared between nodes: the holder of an ipbx tells the features
of that ipbx's users, the other nodes show them.

The holder's book has them: read back from the ipbx's AstDB, set by its own clients, or
written by a client of another node (whose ``featuresput`` runs its ``DBPut`` on the
holder, which reads the feature from it: ``written``).  A change goes out at once
(``features``, ``whole`` false, routing key ``ipbx.ID.features``); ``tell_all``, which
the node calls every few seconds, tells every user's (``whole``, users with the defaults
left out), so that a node that joins, or missed a message, shows them within one
interval.  Another
node replaces the features of those users of that ipbx in its book, hands the logins
whose features changed to ``changed`` (the feed's) and tells nothing back.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from twisted.internet.defer import Deferred

from xivo_cti.ami import Message
from xivo_cti.bus._messages import Features, encode
from xivo_cti.users import (
    FEATURE_DEFAULTS,
    StatusChanged,
    User,
    UserStatusBook,
    UserStore,
    parse_features_tree,
)

__all__ = ["SharedFeatures"]


class SharedFeatures:
    """The features of the users of the ipbx in ``held`` told to the other nodes; those of
    other ipbx set in ``book`` from their holders'."""

    def __init__(
        self,
        book: UserStatusBook,
        users: UserStore,
        ipbx_of: Callable[[User], str],
        held: Collection[str],
        publish: Callable[[str, bytes], Deferred[None]],
        changed: StatusChanged,
    ) -> None:
        self._book, self._users, self._ipbx_of, self._held = book, users, ipbx_of, held
        self._publish = publish
        self._changed = changed
        self._told: dict[str, dict[str, Any]] = {}

    def tell_all(self) -> None:
        """Send the features of every user of each ipbx held here."""
        for ipbx in sorted(self._held):
            features = {user.login: self._book.features(user.login) for user in self._of(ipbx)}
            self._told.update(features)
            changed = {login: f for login, f in features.items() if f != FEATURE_DEFAULTS}
            self._send(Features(ipbx=ipbx, whole=True, features=changed))

    def status_changed(self, logins: Sequence[str]) -> None:
        """These users' status changed on this node: tell the features that changed of
        those whose ipbx is held here."""
        told: dict[str, dict[str, dict[str, Any]]] = {}
        for login in logins:
            user = self._users.get(login)
            ipbx = None if user is None else self._ipbx_of(user)
            if ipbx not in self._held:
                continue
            features = self._book.features(login)
            if self._told.get(login, FEATURE_DEFAULTS) != features:
                self._told[login] = features
                told.setdefault(ipbx, {})[login] = features
        for ipbx, features in told.items():
            self._send(Features(ipbx=ipbx, whole=False, features=features))

    def received(self, message: Features) -> None:
        """The holder of ``message.ipbx`` told some or all of its users' features."""
        if message.ipbx in self._held:
            return
        logins = [user.login for user in self._of(message.ipbx)]
        if not message.whole:
            logins = [login for login in logins if login in message.features]
        features = {login: dict(message.features.get(login, {})) for login in logins}
        changed = self._book.replace_features(features, logins)
        if changed:
            self._changed(changed)

    def written(self, ipbx: str, headers: Mapping[str, str]) -> None:
        """A ``DBPut`` with ``headers`` ran on ``ipbx`` (held here) for another node: the
        feature it stored, if any, is now that of the users of its extension."""
        stored = parse_features_tree([Message(tuple(headers.items()))])
        logins: list[str] = []
        for user in self._of(ipbx):
            if user.extension in stored:
                logins += self._book.set_features(user.login, stored[user.extension])
        if logins:
            self._changed(logins)
            self.status_changed(logins)

    def _of(self, ipbx: str) -> list[User]:
        return [user for user in self._users.all() if self._ipbx_of(user) == ipbx]

    def _send(self, message: Features) -> None:
        self._publish(f"ipbx.{message.ipbx}.features", encode(message)).addErrback(lambda _: None)
