"""What nodes share of their users, behind one door: each message reaches its part, and the
node's changes and ticks reach presences and features."""

from __future__ import annotations

from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from tests.xivo_cti.conftest import sample_users
from xivo_cti.bus import Chat, Features, Presence, decode
from xivo_cti.bus._chat import SharedChat
from xivo_cti.bus._features import SharedFeatures
from xivo_cti.bus._presence import SharedPresence
from xivo_cti.bus._shared import SharedStatus
from xivo_cti.users import FEATURE_DEFAULTS, UserStatusBook, UserStore


def test_each_message_reaches_its_part_and_changes_go_out() -> None:
    wire: list[tuple[str, bytes]] = []
    delivered: list[tuple] = []
    book = UserStatusBook()

    def publish(key: str, body: bytes):
        wire.append((key, body))
        return succeed(None)

    users = UserStore(None, sample_users(ipbx_b=True))  # type: ignore[arg-type]
    presence = SharedPresence("node-a", book, publish, Clock(), lambda _: None)
    features = SharedFeatures("node-a", book, users, lambda user: user.ipbx or "xivo", set(),
                              publish, lambda _: None)  # fmt: skip
    chat = SharedChat(presence, publish, lambda *m: delivered.append(m))
    shared = SharedStatus(presence, features, chat)
    shared.received(Presence(node="node-b", login="bob", presence="away"))
    assert book.status("bob")["availstate"] == "away" and shared.chat.reaches("bob")
    dnd = {"dave": {**FEATURE_DEFAULTS, "enablednd": True}}
    shared.received(Features(ipbx="b", epoch="e", seq=0, whole=True, features=dnd))
    assert book.features("dave")["enablednd"] is True
    shared.received(Chat(login="carol", sender=["b", "4"], recipient=["xivo", "3"],
                         alias="dave", text="hi"))  # fmt: skip
    assert [login for login, _ in delivered] == ["carol"]
    shared.status_changed(book.session_opened("alice", "available"))
    shared.tell_all()
    sent = [(key, type(decode(body)).__name__) for key, body in wire]
    assert sent == [("presence.node-a", "Presence"), ("presence.node-a", "Presences")]
