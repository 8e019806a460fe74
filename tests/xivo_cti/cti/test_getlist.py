"""Tests of getlist requests."""

from __future__ import annotations

from tests.xivo_cti.cti.conftest import Rig, new_channel
from xivo_cti.ami.message import Message


def getlist(client, **body) -> dict:
    client.send(**{"class": "getlist", "tipbxid": "xivo", "commandid": 5, **body})
    return client.received()[-1]


def test_listid_config_and_status_of_phones(rig: Rig) -> None:
    """Phones list ids, static config and live status with hint and channels."""
    rig.state.handle_event(
        Message.of(
            Event="ExtensionStatus", Exten="2002", Context="default", Hint="PJSIP/bob", Status="8"
        )
    )
    new_channel(rig.state, "9.1", "PJSIP/bob-00000001")
    client = rig.logged_in("alice")
    assert getlist(client, function="listid", listname="phones")["list"] == ["1", "2", "3"]
    config = getlist(client, function="updateconfig", listname="phones", tid="2")["config"]
    assert config["identity"] == "PJSIP/bob" and config["number"] == "2002"
    status = getlist(client, function="updatestatus", listname="phones", tid="2")["status"]
    assert status == {"hintstatus": "8", "channels": ["9.1"]}


def test_queues_and_members(rig: Rig) -> None:
    """Queues and queue members are listed from the live state."""
    rig.state.handle_event(Message.of(Event="QueueParams", Queue="support", Completed="3"))
    client = rig.logged_in("alice")
    assert getlist(client, function="listid", listname="queues")["list"] == ["support"]
    status = getlist(client, function="updatestatus", listname="queues", tid="support")["status"]
    assert status["waiting"] == 0


def test_forbidden_and_unknown(rig: Rig) -> None:
    """A list outside the profile, an unknown id or function get error_strings."""
    client = rig.logged_in("carol")
    assert getlist(client, function="listid", listname="queues")["error_string"] == (
        "unknown_or_forbidden_list"
    )
    reply = getlist(client, function="updateconfig", listname="users", tid="42")
    assert reply["error_string"] == "unknown_id:42"
    assert getlist(client, function="x", listname="users")["error_string"] == "unknown_function"
