"""Tests of request dispatch in a client session."""

from __future__ import annotations

import pytest

from testing.passes import next_pass
from tests.xivo_cti.conftest import PASSWORDS, Rig
from xivo_cti.ami import Message
from xivo_cti.cti._config import CTIConfig


def test_nothing_but_login_before_login(rig: Rig) -> None:
    """A command before login gets login_required and reaches no AMI."""
    client = rig.connect()
    client.send(
        **{"class": "ipbxcommand", "command": "dial", "destination": "1234", "commandid": 4}
    )
    (reply,) = client.received()
    assert reply == {**reply, "error_string": "login_required", "replyid": 4}
    assert rig.ami.actions == []


def test_unknown_class_gets_an_error(rig: Rig) -> None:
    """An unknown class after login is an unknown_class error, the session stays up."""
    client = rig.logged_in("alice")
    client.send(**{"class": "frobnicate", "commandid": 9})
    assert client.received()[0]["error_string"] == "unknown_class"
    client.send(**{"class": "keepalive", "commandid": 10})
    assert client.received()[0]["class"] == "keepalive"


def test_keepalive_and_logout(rig: Rig) -> None:
    """keepalive is answered with its replyid; logout closes the connection."""
    client = rig.logged_in("alice")
    client.send(**{"class": "keepalive", "commandid": 10})
    assert client.received()[0]["replyid"] == 10
    client.send(**{"class": "logout"})
    assert client.transport.disconnecting


def test_disconnect_marks_user_offline(rig: Rig) -> None:
    """When the last session of a user ends, its presence becomes disconnected."""
    client = rig.logged_in("bob")
    assert rig.ctx.book.status("bob")["connection"] == "yes"
    client.proto.connectionLost(None)
    assert rig.ctx.book.status("bob")["availstate"] == "disconnected"
    assert rig.ctx.broadcaster.count("users") == 0


def test_removed_user_is_disconnected_on_next_command(rig: Rig) -> None:
    """After a reload without the user, its next command closes its session."""
    client = rig.logged_in("bob")
    rig.replace_users(tuple(u for u in rig.users.all() if u.login != "bob"))
    client.send(**{"class": "keepalive"})
    assert client.received()[0]["error_string"] == "user_removed"
    assert client.transport.disconnecting


def join(rig: Rig, uniqueid: str, position: str, number: str, queue: str = "q1") -> None:
    rig.feed.event(
        Message.of(Event="QueueCallerJoin", Queue=queue, Uniqueid=uniqueid,
                   Channel=f"PJSIP/c-{uniqueid}", Position=position, CallerIDNum=number,
                   CallerIDName=f"Caller {number}")
    )  # fmt: skip


def entries(messages: list[dict]) -> list[dict]:
    return [m["state"] for m in messages if m["class"] == "queueentryupdate"]


def test_subscribe_to_queue_entries_sends_the_callers_then_their_changes(rig: Rig) -> None:
    """The waiting callers panel: the queue's callers at once (as the client reads them),
    then each change of the callers of any queue; other sessions get none."""
    join(rig, "1.1", "1", "555")
    rig.clock.advance(10)
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    alice.send(**{"class": "subscribe", "message": "queueentryupdate", "queueid": "q1",
                  "commandid": 5})  # fmt: skip
    received = alice.received()
    (state,) = entries(received)
    assert state == {"queue_id": "q1", "entries": [
        {"position": 1, "name": "Caller 555", "number": "555", "join_time": 0.0,
         "uniqueid": "1.1"}]}  # fmt: skip
    assert received[-1] == {**received[-1], "class": "subscribe", "replyid": 5}
    join(rig, "1.2", "2", "556")
    rig.feed.event(Message.of(Event="QueueCallerLeave", Queue="q1", Uniqueid="1.1", Position="1"))
    pushed = entries(alice.received())
    assert [[(e["uniqueid"], e["position"]) for e in s["entries"]] for s in pushed] == [
        [("1.1", 1), ("1.2", 2)],
        [("1.2", 1)],
    ]
    assert pushed[1]["entries"][0]["join_time"] == 10.0
    join(rig, "2.1", "1", "557", queue="q2")
    assert [s["queue_id"] for s in entries(alice.received())] == ["q2"]
    assert entries(bob.received()) == []


@pytest.mark.parametrize(
    ("login", "body", "error"),
    [
        ("alice", {"message": "meetme_update"}, "unknown_message"),
        ("alice", {"message": "queueentryupdate", "queueid": "nope"}, "unknown_queue"),
        ("alice", {"message": "queueentryupdate", "queueid": ["q1"]}, "unknown_queue"),
        ("carol", {"message": "queueentryupdate", "queueid": "q1"}, "forbidden"),
    ],
)
def test_subscribe_refused(rig: Rig, login: str, body: dict, error: str) -> None:
    """An unknown subscription or queue, or a profile not reading queues, is refused and
    subscribes to nothing."""
    join(rig, "1.1", "1", "555")
    client = rig.logged_in(login)
    client.send(**{"class": "subscribe", **body})
    (reply,) = client.received()
    assert reply == {**reply, "class": "subscribe", "error_string": error}
    join(rig, "1.2", "2", "556")
    assert entries(client.received()) == []


def test_disconnect_storm_is_cleaned_up_pass_by_pass() -> None:
    """Three sessions lost in one pass with a budget of one: each leaves the fan-out at
    once, and one user a pass is marked offline (each mark is a push to every client)."""
    rig = Rig(CTIConfig(writes_per_pass=1))
    clients = [rig.connect() for _ in range(3)]
    for client, login in zip(clients, ("alice", "bob", "carol"), strict=True):
        client.send(**{"class": "login_id", "userlogin": login, "xivoversion": "2.3"})
        client.send(**{"class": "login_pass", "password": PASSWORDS[login]})
        rig.clock.advance(0)
        client.send(**{"class": "login_capas", "capaid": 1})
        rig.clock.advance(0)
    assert all(rig.ctx.book.online(login) for login in ("alice", "bob", "carol"))
    for client in clients:
        client.proto.connectionLost(None)
    assert rig.ctx.broadcaster.count("users") == 0
    online = []
    for _ in range(3):
        online.append([rig.ctx.book.online(login) for login in ("alice", "bob", "carol")])
        next_pass(rig.clock)
    assert online == [[False, True, True], [False, False, True], [False, False, False]]


def test_subscribe_answers_the_queue_of_the_users_ipbx() -> None:
    """With several ipbx the queue named is one of the user's ipbx, or of the ``tipbxid``
    named: dave (ipbx b) gets b's q1 and its callers, tagged b; for alice (default ipbx,
    no q1 there) it is unknown, unless she names b (an unknown ipbx is her own)."""
    rig = Rig(ipbx_b=True)
    rig.feed.event(
        Message.of(Event="QueueCallerJoin", Queue="q1", Uniqueid="9.1", Channel="PJSIP/c-9",
                   Position="1", CallerIDNum="777", CallerIDName="B caller"),
        ipbx="b",
    )  # fmt: skip
    dave, alice = rig.logged_in("dave"), rig.logged_in("alice")
    for client in (dave, alice):
        client.send(**{"class": "subscribe", "message": "queueentryupdate", "queueid": "q1"})
    (update,) = [m for m in dave.received() if m["class"] == "queueentryupdate"]
    assert update["tipbxid"] == "b"
    assert [e["uniqueid"] for e in update["state"]["entries"]] == ["9.1"]
    (reply,) = alice.received()
    assert reply["error_string"] == "unknown_queue"
    for ipbx, error in (("nope", "unknown_queue"), ("b", None)):
        alice.send(**{"class": "subscribe", "message": "queueentryupdate", "queueid": "q1",
                      "tipbxid": ipbx})  # fmt: skip
        assert alice.received()[-1].get("error_string") == error
