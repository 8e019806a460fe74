"""Tests of ``chitchat``: the contacts menu's "Send a message" between sessions."""

from __future__ import annotations

import dataclasses

import pytest

from tests.xivo_cti.conftest import Rig
from xivo_cti.cti._chat import MAX_TEXT


def chat(client, **body) -> dict:
    client.send(**{"class": "chitchat", "alias": "whatever I like", "commandid": 3, **body})
    (reply,) = [m for m in client.received() if m.get("replyid") == 3]
    return reply


def test_message_reaches_every_session_of_the_colleague(rig: Rig) -> None:
    """As the 18.01 client sends it (``to`` = the contacts row's xivo_id and user_uuid):
    every session of bob gets it with alice's ids in ``from`` (the window the client opens),
    her name (not the alias she sent) and the text; alice's other session, carol, nothing."""
    alice, alice_2 = rig.logged_in("alice"), rig.logged_in("alice")
    bob_1, bob_2, carol = rig.logged_in("bob"), rig.logged_in("bob"), rig.logged_in("carol")
    for client in (alice, alice_2, bob_1, bob_2, carol):
        client.received()
    reply = chat(alice, to=["xivo", "2"], text="lunch at 12?\nok")
    assert reply == {**reply, "class": "chitchat", "to": ["xivo", "2"]}
    assert "error_string" not in reply
    for bob in (bob_1, bob_2):
        (message,) = bob.received()
        expected = {"class": "chitchat", "from": ["xivo", "1"], "to": ["xivo", "2"],
                    "alias": "alice", "text": "lunch at 12?\nok"}  # fmt: skip
        assert message == {**message, **expected}
    assert alice_2.received() == [] and carol.received() == []


def test_the_answer_goes_back_to_the_sender(rig: Rig) -> None:
    """The receiver answers to the ``from`` it got: the sender's sessions get it."""
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    chat(alice, to=["xivo", "2"], text="hi")
    (message,) = bob.received()
    alice.received()
    chat(bob, to=message["from"], text="hello")
    (answer,) = alice.received()
    assert answer["from"] == ["xivo", "2"] and answer["text"] == "hello"


def test_markup_is_escaped_for_the_receiving_window(rig: Rig) -> None:
    """The client inserts the text as HTML: markup arrives as the characters typed."""
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    chat(alice, to=["xivo", "2"], text='<img src="http://x/">& "q"')
    (message,) = bob.received()
    assert message["text"] == '&lt;img src="http://x/"&gt;&amp; "q"'


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"text": "hi"}, "invalid_recipient"),
        ({"to": "xivo/2", "text": "hi"}, "invalid_recipient"),
        ({"to": ["xivo", 2], "text": "hi"}, "invalid_recipient"),
        ({"to": ["xivo", "2", "x"], "text": "hi"}, "invalid_recipient"),
        ({"to": ["xivo", "99"], "text": "hi"}, "unknown_user"),
        ({"to": ["other", "2"], "text": "hi"}, "unknown_user"),
        ({"to": ["xivo", "2"]}, "invalid_text"),
        ({"to": ["xivo", "2"], "text": ["hi"]}, "invalid_text"),
        ({"to": ["xivo", "2"], "text": " \n "}, "empty_text"),
        ({"to": ["xivo", "2"], "text": "x" * (MAX_TEXT + 1)}, "text_too_long"),
    ],
)
def test_bad_message_is_refused_and_nothing_is_sent(rig: Rig, body: dict, error: str) -> None:
    """A malformed or unaddressable message gets its error and reaches no one."""
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    bob.received()
    assert chat(alice, **body)["error_string"] == error
    assert bob.received() == []


def test_longest_text_is_delivered(rig: Rig) -> None:
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    bob.received()
    assert "error_string" not in chat(alice, to=["xivo", "2"], text="x" * MAX_TEXT)
    assert bob.received()[0]["text"] == "x" * MAX_TEXT


def test_offline_colleague_gets_a_notice_the_client_shows(rig: Rig) -> None:
    """The client shows no error_string for chitchat: the refusal also comes as a message
    from the colleague's ids, shown in the chat window opened with them."""
    alice = rig.logged_in("alice")
    reply = chat(alice, to=["xivo", "3"], text="hi")
    notice = {"error_string": "user_offline", "from": ["xivo", "3"], "alias": "carol",
              "text": "(not delivered: carol is not connected)"}  # fmt: skip
    assert reply == {**reply, **notice}


def test_colleague_who_logged_out_is_offline(rig: Rig) -> None:
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    bob.proto.connectionLost(None)
    assert chat(alice, to=["xivo", "2"], text="hi")["error_string"] == "user_offline"


class Elsewhere:
    """A relay (the bus's, in the daemon) reaching carol only, recording what it sends."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    def reaches(self, login: str) -> bool:
        return login == "carol"

    def relay(self, login: str, message: dict) -> None:
        self.sent.append((login, message))


def test_colleague_on_another_node_gets_it_through_the_relay(rig: Rig) -> None:
    """Checked, escaped, named and counted here, then handed to the relay; a colleague the
    relay does not reach either is offline, nothing relayed."""
    rig.ctx.sessions.relay = relay = Elsewhere()
    alice = rig.logged_in("alice")
    reply = chat(alice, to=["xivo", "3"], text="<b>hi</b>")
    assert "error_string" not in reply and reply["to"] == ["xivo", "3"]
    assert relay.sent == [("carol", {"class": "chitchat", "from": ["xivo", "1"],
                                     "to": ["xivo", "3"], "alias": "alice",
                                     "text": "&lt;b&gt;hi&lt;/b&gt;"})]  # fmt: skip
    assert chat(alice, to=["xivo", "2"], text="hi")["error_string"] == "user_offline"
    assert chat(alice, to=["xivo", "3"], text="x" * (MAX_TEXT + 1))["error_string"] == (
        "text_too_long"
    )
    assert len(relay.sent) == 1


def test_a_colleague_here_and_elsewhere_gets_it_in_both_places(rig: Rig) -> None:
    rig.ctx.sessions.relay = relay = Elsewhere()
    alice, carol = rig.logged_in("alice"), rig.logged_in("carol")
    carol.received()
    assert "error_string" not in chat(alice, to=["xivo", "3"], text="hi")
    ((message,), [(login, relayed)]) = carol.received(), relay.sent
    assert login == "carol" and relayed == {k: v for k, v in message.items() if k in relayed}
    assert relayed["text"] == "hi"


def test_a_relayed_flood_is_refused_before_the_relay(rig: Rig) -> None:
    rig.ctx.sessions.relay = relay = Elsewhere()
    alice = rig.logged_in("alice")
    burst = rig.ctx.commands.rate.burst
    errors = [chat(alice, to=["xivo", "3"], text="m").get("error_string") for _ in range(burst + 2)]
    assert errors == [None] * burst + ["rate_limited"] * 2
    assert len(relay.sent) == burst


def test_profile_without_chitchat_is_forbidden(rig: Rig) -> None:
    profile = dataclasses.replace(rig.users.get("carol").profile, commands=frozenset({"dial"}))
    users = tuple(
        dataclasses.replace(u, profile=profile) if u.login == "carol" else u
        for u in rig.users.all()
    )
    rig.replace_users(users)
    carol, bob = rig.logged_in("carol"), rig.logged_in("bob")
    bob.received()
    assert chat(carol, to=["xivo", "2"], text="hi")["error_string"] == "forbidden"
    assert bob.received() == []


def test_messages_count_against_the_command_rate(rig: Rig) -> None:
    """The user's command bucket (``cti.command_burst``) bounds a flood; refused ones
    reach no one."""
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    burst = rig.ctx.commands.rate.burst
    replies = [chat(alice, to=["xivo", "2"], text=f"m{i}") for i in range(burst + 3)]
    errors = [r.get("error_string") for r in replies]
    assert errors == [None] * burst + ["rate_limited"] * 3
    assert len(bob.received()) == burst


def test_before_login_chitchat_is_refused(rig: Rig) -> None:
    bob = rig.logged_in("bob")
    stranger = rig.connect()
    stranger.send(**{"class": "chitchat", "to": ["xivo", "2"], "text": "hi", "commandid": 1})
    assert stranger.received()[0]["error_string"] == "login_required"
    assert all(m["class"] != "chitchat" for m in bob.received())
