"""Users' DND and forwards shared between nodes: the holder of an ipbx tells the features
of that ipbx's users, the other nodes show them.

The holder's book has them: read back from the ipbx's AstDB, set by its own clients, or
written by a client of another node (whose ``featuresput`` runs its ``DBPut`` on the
holder, which reads the feature from it: ``written``).  A change goes out at once
(``features``, ``whole`` false, routing key ``ipbx.ID.features``), numbered within an
epoch the holder draws when it takes the ipbx; ``tell_all``, which the node calls every
few seconds, sends only a reminder of the last number, and every ``whole_every``-th time
every user's features (``whole``, users with the defaults left out).  Another node
replaces the features of those users of that ipbx in its book, hands the logins whose
features changed to ``changed`` (the feed's) and tells nothing back; when it missed a
change (a number skipped, a new epoch, or none heard yet) it asks the holder for the
whole list (``features_request``, on the same routing key), sent to its ``node.NODE``.
The holder answers each asker once per ipbx and tick (an asker asks at most that often),
and at most ``askers_per_tick`` askers a tick: a flood of requests costs it one whole
list per asker it answers, not one per request.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from twisted.internet.defer import Deferred

from xivo_cti.ami import Message
from xivo_cti.bus._messages import Features, FeaturesRequest, encode
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
        node: str,
        book: UserStatusBook,
        users: UserStore,
        ipbx_of: Callable[[User], str],
        held: Collection[str],
        publish: Callable[[str, bytes], Deferred[None]],
        changed: StatusChanged,
        *,
        whole_every: int = 12,
        askers_per_tick: int = 64,
    ) -> None:
        self._node = node
        self._book, self._users, self._ipbx_of, self._held = book, users, ipbx_of, held
        self._publish = publish
        self._changed = changed
        self._whole_every = whole_every
        self._ticks = 0
        self._told: dict[str, dict[str, Any]] = {}
        self._numbers: dict[str, tuple[str, int]] = {}  # held here: epoch, last change
        self._heard: dict[str, tuple[str, int]] = {}  # others': epoch, last change applied
        self._asked: set[str] = set()  # others' whole lists asked for since the last tick
        self._askers_per_tick = askers_per_tick
        self._answered: set[tuple[str, str]] = set()  # (ipbx, asker) since the last tick

    def tell_all(self) -> None:
        """Remind the others of the last change of each ipbx held here, or, every
        ``whole_every``-th time, send every user's features."""
        for ipbx in [i for i in self._numbers if i not in self._held]:
            del self._numbers[ipbx]
        self._asked.clear()  # a request lost on the way is sent again at the next reminder
        self._answered.clear()
        whole = self._ticks % self._whole_every == 0
        self._ticks += 1
        for ipbx in sorted(self._held):
            if whole:
                self._send_whole(ipbx, f"ipbx.{ipbx}.features")
            else:
                self._send(f"ipbx.{ipbx}.features", ipbx, {})

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
            self._send(f"ipbx.{ipbx}.features", ipbx, features, step=1)

    def received(self, message: Features | FeaturesRequest) -> None:
        """The holder of ``message.ipbx`` told some or all of its users' features, or
        (held here) a node asks for them all."""
        if isinstance(message, FeaturesRequest):
            asker = (message.ipbx, message.reply_to)
            if (
                message.ipbx in self._held
                and asker not in self._answered
                and len(self._answered) < self._askers_per_tick
            ):
                self._answered.add(asker)
                self._send_whole(message.ipbx, f"node.{message.reply_to}")
            return
        if message.ipbx in self._held:
            return
        epoch, seq = self._heard.get(message.ipbx, ("", -1))
        if message.whole or (message.features and (message.epoch, message.seq) == (epoch, seq + 1)):
            self._heard[message.ipbx] = (message.epoch, message.seq)
            self._asked.discard(message.ipbx)
        elif message.epoch != epoch or message.seq > seq + bool(message.features):
            self._ask(message.ipbx)  # a change missed: this one shown, the whole list asked
        elif message.features:
            return  # told before: a whole list came in between
        if message.whole or message.features:
            self._replace(message)

    def _ask(self, ipbx: str) -> None:
        if ipbx not in self._asked:
            self._asked.add(ipbx)
            request = FeaturesRequest(ipbx=ipbx, reply_to=self._node)
            self._publish(f"ipbx.{ipbx}.features", encode(request)).addErrback(lambda _: None)

    def _replace(self, message: Features) -> None:
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

    def _send_whole(self, ipbx: str, key: str) -> None:
        features = {user.login: self._book.features(user.login) for user in self._of(ipbx)}
        self._told.update(features)
        changed = {login: f for login, f in features.items() if f != FEATURE_DEFAULTS}
        self._send(key, ipbx, changed, whole=True)

    def _send(
        self,
        key: str,
        ipbx: str,
        features: Mapping[str, Mapping[str, Any]],
        *,
        whole: bool = False,
        step: int = 0,
    ) -> None:
        """Send ``features`` of ``ipbx`` (held here) numbered ``step`` after its last change
        (the epoch drawn when this holding told its first)."""
        epoch, seq = self._numbers.setdefault(ipbx, (secrets.token_hex(8), 0))
        self._numbers[ipbx] = (epoch, seq + step)
        message = Features(ipbx=ipbx, epoch=epoch, seq=seq + step, whole=whole, features=features)
        self._publish(key, encode(message)).addErrback(lambda _: None)
