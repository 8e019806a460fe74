"""Chats between nodes: sent to each node where the shared presence shows the colleague,
handed there to its sessions."""

from __future__ import annotations

from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from xivo_cti.bus import Chat, Presence, decode
from xivo_cti.bus._chat import SharedChat
from xivo_cti.bus._presence import SharedPresence
from xivo_cti.users import UserStatusBook

MESSAGE = {"class": "chitchat", "from": ["a", "1"], "to": ["a", "2"], "alias": "Alice",
           "text": "&lt;hi&gt;"}  # fmt: skip


def node() -> tuple[SharedChat, SharedPresence, list[tuple[str, bytes]], list]:
    wire: list[tuple[str, bytes]] = []
    delivered: list[tuple[str, dict]] = []

    def publish(key: str, body: bytes):
        wire.append((key, body))
        return succeed(None)

    presence = SharedPresence("node-a", UserStatusBook(), publish, Clock(), lambda _: None)
    return SharedChat(presence, publish, lambda *a: delivered.append(a)), presence, wire, delivered


def test_a_chat_goes_to_each_node_showing_the_colleague_and_is_delivered_there() -> None:
    chat, presence, wire, _ = node()
    assert not chat.reaches("bob")
    presence.received(Presence(node="node-c", login="bob", presence="available"))
    presence.received(Presence(node="node-b", login="bob", presence="away"))
    presence.received(Presence(node="node-b", login="carol", presence="away"))
    assert chat.reaches("bob")
    chat.relay("bob", MESSAGE)
    assert [key for key, _ in wire] == ["node.node-b", "node.node-c"]
    sent = decode(wire[0][1])
    assert sent == Chat(login="bob", sender=["a", "1"], recipient=["a", "2"], alias="Alice",
                        text="&lt;hi&gt;")  # fmt: skip
    receiver, _, _, delivered = node()
    receiver.received(sent)  # type: ignore[arg-type]
    assert delivered == [("bob", MESSAGE)]


def test_a_colleague_who_left_the_other_node_is_not_reached() -> None:
    chat, presence, wire, _ = node()
    presence.received(Presence(node="node-b", login="bob", presence="available"))
    presence.received(Presence(node="node-b", login="bob", presence="disconnected"))
    assert not chat.reaches("bob")
    assert wire == []
