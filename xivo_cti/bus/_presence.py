"""Users' presence shared between nodes: each node tells the presence its own sessions give
its users, and shows the others' for users without a session here.

A change of a user's presence on this node goes out at once (``presence``, routing key
``presence.NODE``); ``tell_all``, which the node calls every few seconds, tells the whole
list (``presences``), so a node that joins learns everyone within one interval and a node
not heard of for ``expiry`` seconds (dead, or cut off) no longer counts.  A user with sessions
on several nodes shows the presence of the first of them (by node name).  The node's own
changes come in by ``status_changed`` (the logins whose status changed here); the logins
whose shown presence the other nodes changed go out to ``changed`` (the feed's).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from xivo_cti.bus._messages import Presence, Presences, encode
from xivo_cti.users import StatusChanged, UserStatusBook

__all__ = ["SharedPresence"]


class SharedPresence:
    """This node's presences told to the others; theirs set in ``book``."""

    def __init__(
        self,
        node: str,
        book: UserStatusBook,
        publish: Callable[[str, bytes], Deferred[None]],
        clock: IReactorTime,
        changed: StatusChanged,
        *,
        expiry: float = 15.0,
    ) -> None:
        self.node = node
        self._book = book
        self._publish = publish
        self._clock = clock
        self._changed = changed
        self._expiry = expiry
        self._told: dict[str, str] = {}
        self._nodes: dict[str, dict[str, str]] = {}
        self._heard: dict[str, float] = {}

    def tell_all(self) -> None:
        """Send this node's whole list, and forget nodes not heard of for too long."""
        presences = self._book.local_presences()
        self._told = dict(presences)
        self._send(Presences(node=self.node, presences=presences))
        now = self._clock.seconds()
        for node in [n for n, at in self._heard.items() if now - at > self._expiry]:
            self._replace(node, {})
            del self._heard[node]

    def received(self, message: Presence | Presences) -> None:
        """Another node's presence (or whole list)."""
        if message.node == self.node:
            return
        self._heard[message.node] = self._clock.seconds()
        if isinstance(message, Presences):
            self._replace(message.node, message.presences)
            return
        users = dict(self._nodes.get(message.node, {}))
        if message.presence == "disconnected":
            users.pop(message.login, None)
        else:
            users[message.login] = message.presence
        self._replace(message.node, users)

    def _replace(self, node: str, users: Mapping[str, str]) -> None:
        before = self._nodes.get(node, {})
        if users:
            self._nodes[node] = dict(users)
        else:
            self._nodes.pop(node, None)
        shown: list[str] = []
        for login in sorted(before.keys() | users.keys()):
            if before.get(login) != users.get(login):
                shown += self._book.set_remote(login, self._merged(login))
        if shown:
            self._changed(shown)

    def nodes_of(self, login: str) -> list[str]:
        """The other nodes where ``login`` has a session."""
        return [node for node in sorted(self._nodes) if login in self._nodes[node]]

    def _merged(self, login: str) -> str | None:
        for node in sorted(self._nodes):
            presence = self._nodes[node].get(login)
            if presence is not None:
                return presence
        return None

    def status_changed(self, logins: Sequence[str]) -> None:
        """These users' status changed on this node: tell the others each presence that
        changed."""
        for login in logins:
            local = self._book.local_presence(login)
            if self._told.get(login, "disconnected") != local:
                if local == "disconnected":
                    self._told.pop(login, None)
                else:
                    self._told[login] = local
                self._send(Presence(node=self.node, login=login, presence=local))

    def _send(self, message: Presence | Presences) -> None:
        self._publish(f"presence.{self.node}", encode(message)).addErrback(lambda _: None)
