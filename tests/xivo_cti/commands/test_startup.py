"""Tests of the answers to what the desktop client asks right after login."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig


def ask(client, klass: str, **body) -> dict:
    client.send(**{"class": klass, "commandid": 9, **body})
    (reply,) = client.received()
    assert reply["replyid"] == 9
    return reply


def test_ipbxlist_is_the_configured_ipbxid(rig: Rig) -> None:
    """getipbxlist (the client asks for lists only once answered) gives cti.ipbxid."""
    assert ask(rig.logged_in("carol"), "getipbxlist")["ipbxlist"] == ["xivo"]


def test_people_headers_are_parallel_lists(rig: Rig) -> None:
    """Column names and types come as two lists of the same length (else ignored)."""
    reply = ask(rig.logged_in("carol"), "people_headers")
    assert reply["class"] == "people_headers_result"
    assert len(reply["column_headers"]) == len(reply["column_types"]) > 0
    assert "name" in reply["column_types"] and "number" in reply["column_types"]


def test_relations_are_the_users_own_ids(rig: Rig) -> None:
    """get_relations gives the user's id and its phone's (the same) as integers."""
    reply = ask(rig.logged_in("bob"), "get_relations")
    assert reply["class"] == "relations"
    assert reply["data"] == {"xivo_uuid": "xivo", "user_id": 2, "endpoint_id": 2, "agent_id": 0}


def test_not_yet_kept_lists_are_empty(rig: Rig) -> None:
    """Favourites, personal contacts and history answer empty lists in the client's shape."""
    client = rig.logged_in("alice")
    assert ask(client, "people_favorites") == {
        "class": "people_favorites_result", "results": [], "replyid": 9, "timenow": 0.0,
    }  # fmt: skip
    assert ask(client, "people_personal_contacts")["results"] == []
    reply = ask(client, "history", xuserid="xivo/1", size="8")
    assert reply["class"] == "history" and reply["history"] == []


def test_not_before_login(rig: Rig) -> None:
    """These classes need a login like any other command."""
    client = rig.connect()
    assert ask(client, "getipbxlist")["error_string"] == "login_required"
