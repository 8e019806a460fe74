"""Tests of the status registrations of the contacts panel (register_*_status_update)."""

from __future__ import annotations

import pytest

from tests.xivo_cti.conftest import Rig
from xivo_cti.ami import Message
from xivo_cti.views import WatchError
from xivo_cti.views import _watches as watches
from xivo_cti.views._watches import MAX_WATCHED, parse_ids


def register(client, kind: str, ids: list, verb: str = "register") -> list[dict]:
    field = {"user": "user_ids", "endpoint": "endpoint_ids", "agent": "agent_ids"}[kind]
    client.send(**{"class": f"{verb}_{kind}_status_update", field: ids, "commandid": 5})
    return client.received()


def updates(messages: list[dict], klass: str) -> list[dict]:
    return [m["data"] for m in messages if m["class"] == klass]


@pytest.mark.parametrize(
    "body",
    [{}, {"user_ids": "1"}, {"user_ids": [["xivo"]]}, {"user_ids": [[1, "1"]]},
     {"user_ids": [["xivo", 1]]}, {"user_ids": [["xivo", "x" * 65]]},
     {"user_ids": [["xivo", "1"]] * (MAX_WATCHED + 1)}],
)  # fmt: skip
def test_malformed_user_ids_are_refused(body) -> None:
    """Anything but a bounded list of [uuid, user uuid] pairs is invalid_ids."""
    with pytest.raises(WatchError, match="invalid_ids"):
        parse_ids(body, "user", {"xivo"})


def test_ids_of_another_server_are_left_out() -> None:
    """Endpoint and agent ids are integers, each of its ipbx (xivo_uuid); the ids of an
    ipbx the view does not have are ignored."""
    body = {"endpoint_ids": [["xivo", 2], ["other", 3], ["b", 4], ["xi", 5]]}
    assert parse_ids(body, "endpoint", {"xivo", "b"}) == [("xivo", "2"), ("b", "4")]
    for bad in ("2", True, None):
        with pytest.raises(WatchError):
            parse_ids({"agent_ids": [["xivo", bad]]}, "agent", {"xivo"})


def test_user_status_sent_at_registration_and_on_change(rig: Rig) -> None:
    """carol registers bob: his presence at once, then each change; unknown ids ignored."""
    carol, bob = rig.logged_in("carol"), rig.logged_in("bob")
    carol.received()
    messages = register(carol, "user", [["xivo", "2"], ["xivo", "99"]])
    assert updates(messages, "user_status_update") == [
        {"xivo_uuid": "xivo", "user_uuid": "2", "status": "available"}
    ]
    assert messages[-1] == {**messages[-1], "class": "register_user_status_update"}
    assert "error_string" not in messages[-1]
    bob.send(**{"class": "availstate", "availstate": "away", "commandid": 6})
    assert updates(carol.received(), "user_status_update") == [
        {"xivo_uuid": "xivo", "user_uuid": "2", "status": "away"}
    ]
    bob.send(**{"class": "featuresput", "function": "enablednd", "value": True, "commandid": 7})
    assert updates(carol.received(), "user_status_update") == []  # presence unchanged


def test_endpoint_status_follows_the_phone(rig: Rig) -> None:
    """An endpoint registration pushes the hint status as an integer on each change."""
    carol = rig.logged_in("carol")
    carol.received()
    assert updates(register(carol, "endpoint", [["xivo", 1]]), "endpoint_status_update") == [
        {"xivo_uuid": "xivo", "endpoint_id": 1, "status": -1}
    ]
    rig.feed.event(Message.of(Event="ExtensionStatus", Exten="2001", Context="default", Status="1"))
    assert updates(carol.received(), "endpoint_status_update") == [
        {"xivo_uuid": "xivo", "endpoint_id": 1, "status": 1}
    ]


def test_endpoints_of_each_ipbx() -> None:
    """An endpoint of ipbx b is watched as [b, id] and follows b's state: its pushes carry
    xivo_uuid b; a hint change of the default ipbx does not touch it."""
    rig = Rig(ipbx_b=True)
    carol = rig.logged_in("carol")
    carol.received()
    assert updates(register(carol, "endpoint", [["b", 4], ["xivo", 4]]),
                   "endpoint_status_update") == [
        {"xivo_uuid": "b", "endpoint_id": 4, "status": -1}
    ]  # fmt: skip
    hint = {"Event": "ExtensionStatus", "Exten": "3001", "Context": "default", "Status": "8"}
    rig.feed.event(Message.of(**hint))
    assert updates(carol.received(), "endpoint_status_update") == []
    rig.feed.event(Message.of(**hint), "b")
    assert updates(carol.received(), "endpoint_status_update") == [
        {"xivo_uuid": "b", "endpoint_id": 4, "status": 8}
    ]


def test_agent_status_logged_in_and_out(rig: Rig) -> None:
    """An agent registration pushes logged_in / logged_out."""
    rig.feed.event(Message.of(Event="Agents", Agent="7", Name="Bob",
                                      Status="AGENT_LOGGEDOFF"))  # fmt: skip
    carol = rig.logged_in("carol")
    carol.received()
    assert updates(register(carol, "agent", [["xivo", 7], ["xivo", 8]]),
                   "agent_status_update") == [
        {"xivo_uuid": "xivo", "agent_id": 7, "status": "logged_out"}
    ]  # fmt: skip
    rig.feed.event(Message.of(Event="AgentLogin", Agent="7", Channel="PJSIP/bob-1"))
    assert updates(carol.received(), "agent_status_update") == [
        {"xivo_uuid": "xivo", "agent_id": 7, "status": "logged_in"}
    ]


def test_unregister_and_close_stop_the_pushes(rig: Rig) -> None:
    """After unregister, or once the session closed, no more updates are sent."""
    carol, bob = rig.logged_in("carol"), rig.logged_in("bob")
    alice = rig.logged_in("alice")
    register(carol, "user", [["xivo", "2"]])
    register(alice, "user", [["xivo", "2"]])
    reply = register(carol, "user", [["xivo", "2"]], verb="unregister")[-1]
    assert reply["class"] == "unregister_user_status_update" and "error_string" not in reply
    alice.proto.connectionLost()
    bob.send(**{"class": "availstate", "availstate": "away", "commandid": 6})
    assert updates(carol.received(), "user_status_update") == []
    assert updates(alice.received(), "user_status_update") == []
    assert rig.ctx.watches.changed("users", "2", "xivo") == []


def test_a_session_watches_a_bounded_number_of_ids(rig: Rig, monkeypatch) -> None:
    """Past MAX_WATCHED ids of a kind the registration is refused whole."""
    monkeypatch.setattr(watches, "MAX_WATCHED", 3)
    carol = rig.logged_in("carol")
    carol.received()
    assert "error_string" not in register(carol, "user", [["xivo", "1"], ["xivo", "2"]])[-1]
    reply = register(carol, "user", [["xivo", "2"], ["xivo", "3"], ["xivo", "9"]])[-1]
    assert reply["error_string"] == "too_many_ids"
    assert rig.ctx.watches.changed("users", "3", "xivo") == []
