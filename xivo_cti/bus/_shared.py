"""What nodes share of their users: presences, DND and forwards, chats (``_presence``,
``_features``, ``_chat``), told at each change and at each of the node's ticks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from xivo_cti.bus._chat import SharedChat
from xivo_cti.bus._features import SharedFeatures
from xivo_cti.bus._messages import Chat, Features, FeaturesRequest, Presence, Presences
from xivo_cti.bus._presence import SharedPresence

__all__ = ["SHARED", "SharedStatus"]

SHARED = (Presence, Presences, Features, FeaturesRequest, Chat)
"""The messages ``SharedStatus.received`` takes."""


class SharedStatus:
    """The node's three shared parts behind one door: each message to its part, the node's
    changes and ticks to presences and features."""

    def __init__(
        self, presence: SharedPresence, features: SharedFeatures, chat: SharedChat
    ) -> None:
        self.presence = presence
        self.features = features
        self.chat = chat

    def status_changed(self, logins: Sequence[str]) -> None:
        """These users' status changed on this node: their presence, and the features of
        users of ipbx held here, go to the others."""
        self.presence.status_changed(logins)
        self.features.status_changed(logins)

    def tell_all(self) -> None:
        """The node's tick: whole lists and reminders, so that others repair what they
        missed."""
        self.presence.tell_all()
        self.features.tell_all()

    def written(self, ipbx: str, headers: Mapping[str, str]) -> None:
        """A ``DBPut`` ran on ``ipbx`` (held here) for another node."""
        self.features.written(ipbx, headers)

    def received(self, message: Presence | Presences | Features | FeaturesRequest | Chat) -> None:
        """Another node's message."""
        if isinstance(message, Presence | Presences):
            self.presence.received(message)
        elif isinstance(message, Chat):
            self.chat.received(message)
        else:
            self.features.received(message)
