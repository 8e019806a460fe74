"""Tests of the answers to what the desktop client asks right after login."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig
from xivo_cti.ami import Message


def ask(client, klass: str, **body) -> dict:
    client.send(**{"class": klass, "commandid": 9, **body})
    (reply,) = client.received()
    assert reply["replyid"] == 9
    return reply


def test_ipbxlist_is_the_configured_ipbxid(rig: Rig) -> None:
    """getipbxlist (the client asks for lists only once answered) gives cti.ipbxid."""
    assert ask(rig.logged_in("carol"), "getipbxlist")["ipbxlist"] == ["xivo"]


def test_ipbxlist_and_relations_with_two_ipbx() -> None:
    """Every ipbx is listed, the default one first; a user's relations carry its own."""
    rig = Rig(ipbx_b=True)
    dave = rig.logged_in("dave")
    assert ask(dave, "getipbxlist")["ipbxlist"] == ["xivo", "b"]
    assert ask(dave, "get_relations")["data"]["xivo_uuid"] == "b"
    assert ask(rig.logged_in("carol"), "get_relations")["data"]["xivo_uuid"] == "xivo"


def test_people_headers_are_parallel_lists(rig: Rig) -> None:
    """Column names and types come as two lists of the same length (else ignored)."""
    reply = ask(rig.logged_in("carol"), "people_headers")
    assert reply["class"] == "people_headers_result"
    assert len(reply["column_headers"]) == len(reply["column_types"]) > 0
    assert "name" in reply["column_types"] and "number" in reply["column_types"]


def test_relations_are_the_users_own_ids(rig: Rig) -> None:
    """get_relations gives the user's id, its phone's (the same) and its agent's as
    integers (0: no agent)."""
    reply = ask(rig.logged_in("bob"), "get_relations")
    assert reply["class"] == "relations"
    assert reply["data"] == {"xivo_uuid": "xivo", "user_id": 2, "endpoint_id": 2, "agent_id": 7}
    reply = ask(rig.logged_in("carol"), "get_relations")
    assert reply["data"] == {"xivo_uuid": "xivo", "user_id": 3, "endpoint_id": 3, "agent_id": 0}


def test_empty_books_and_history_in_the_clients_shape(rig: Rig) -> None:
    """A new user's favourites, personal contacts and history are empty lists."""
    client = rig.logged_in("alice")
    assert ask(client, "people_favorites") == {
        "class": "people_favorites_result", "results": [], "replyid": 9, "timenow": 0.0,
    }  # fmt: skip
    assert ask(client, "people_personal_contacts")["results"] == []
    reply = ask(client, "history", xuserid="xivo/1", size="8")
    assert reply["class"] == "history" and reply["history"] == []


def test_a_call_between_users_is_in_both_histories(rig: Rig) -> None:
    """AMI events of a call from alice to bob, answered: sent for alice, received for bob
    with the caller name Asterisk gave bob's channel."""
    snapshot = {"ChannelStateDesc": "Ring", "CallerIDNum": "2001", "CallerIDName": "Alice",
                "Context": "default", "Exten": "2002", "Linkedid": "10.1"}  # fmt: skip
    events = [
        {"Event": "Newchannel", "Uniqueid": "10.1", "Channel": "PJSIP/alice-01",
         "ChannelState": "4", "ConnectedLineNum": "", "ConnectedLineName": ""},
        {"Event": "Newchannel", "Uniqueid": "10.2", "Channel": "PJSIP/bob-02",
         "ChannelState": "5", "ConnectedLineNum": "2001", "ConnectedLineName": "Alice Martin"},
        {"Event": "Newstate", "Uniqueid": "10.2", "Channel": "PJSIP/bob-02",
         "ChannelState": "6", "ChannelStateDesc": "Up", "ConnectedLineNum": "2001",
         "ConnectedLineName": "Alice Martin"},
    ]  # fmt: skip
    for event in events:
        rig.feed.event(Message.of(**{**snapshot, **event}))
    rig.clock.advance(42)
    for uniqueid in ("10.2", "10.1"):
        rig.feed.event(Message.of(Event="Hangup", Uniqueid=uniqueid))
    bob = ask(rig.logged_in("bob"), "history", xuserid="xivo/2", size="8")["history"]
    assert [(h["mode"], h["extension"], h["fullname"], h["duration"]) for h in bob] == [
        (1, "2001", "Alice Martin", 42)
    ]
    alice = ask(rig.logged_in("alice"), "history", size="8")["history"]
    assert [(h["mode"], h["extension"]) for h in alice] == [(0, "2002")]


def test_contacts_panel_classes_through_a_session(rig: Rig) -> None:
    """A contact created is found by a search, with the colleagues matching too."""
    client = rig.logged_in("carol")
    infos = {"firstname": "Caroline", "lastname": "Dupont", "number": "0612"}
    created = ask(client, "people_create_personal_contact", contact_infos=infos)
    assert created["class"] == "people_personal_contact_created"
    found = ask(client, "people_search", pattern="carol")
    assert [r["source"] for r in found["results"]] == ["personal", "internal"]
    bad = ask(client, "people_create_personal_contact", contact_infos={"number": "x;y"})
    assert bad["error_string"] == "invalid_contact:number: not a phone number"


def test_not_before_login(rig: Rig) -> None:
    """These classes need a login like any other command."""
    client = rig.connect()
    assert ask(client, "getipbxlist")["error_string"] == "login_required"
