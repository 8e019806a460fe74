"""``chitchat`` between nodes: a message to a colleague whose sessions are on other nodes.

The sender's node checks, escapes, rate-limits and names the sender (``xivo_cti.cti._chat``),
then publishes one ``chat`` to ``node.NODE`` of each node where the shared presence shows
the colleague; each of those nodes hands it to the colleague's sessions there.  A
colleague no node shows is ``user_offline`` on the sender's node, nothing published.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.internet.defer import Deferred

from xivo_cti.bus._messages import Chat, encode
from xivo_cti.bus._presence import SharedPresence

__all__ = ["SharedChat"]


class SharedChat:
    """Chats to colleagues on other nodes sent over the bus; theirs handed to ``deliver``
    (the recipient's login and the ``chitchat`` message for its sessions)."""

    def __init__(
        self,
        presence: SharedPresence,
        publish: Callable[[str, bytes], Deferred[None]],
        deliver: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self._presence = presence
        self._publish = publish
        self._deliver = deliver

    def reaches(self, login: str) -> bool:
        """Whether another node shows a session of ``login``."""
        return bool(self._presence.nodes_of(login))

    def relay(self, login: str, message: dict[str, Any]) -> None:
        """Send a ``chitchat`` message (``from``, ``to``, ``alias``, ``text``) to the
        sessions of ``login`` on the other nodes."""
        body = encode(Chat(login=login, sender=message["from"], recipient=message["to"],
                           alias=message["alias"], text=message["text"]))  # fmt: skip
        for node in self._presence.nodes_of(login):
            self._publish(f"node.{node}", body).addErrback(lambda _: None)

    def received(self, chat: Chat) -> None:
        """A chat another node sent to a user with sessions here."""
        self._deliver(chat.login, {
            "class": "chitchat", "from": list(chat.sender), "to": list(chat.recipient),
            "alias": chat.alias, "text": chat.text,
        })  # fmt: skip
