"""Tests of getlist requests."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami._message import Message


def getlist(client, **body) -> dict:
    client.send(**{"class": "getlist", "tipbxid": "xivo", "commandid": 5, **body})
    return client.received()[-1]


def test_listid_config_and_status_of_phones(rig: Rig) -> None:
    """Phones list ids, static config and live status with hint and channels."""
    rig.feed.event(
        Message.of(
            Event="ExtensionStatus", Exten="2002", Context="default", Hint="PJSIP/bob", Status="8"
        )
    )
    new_channel(rig.feed, "9.1", "PJSIP/bob-00000001")
    client = rig.logged_in("alice")
    assert getlist(client, function="listid", listname="phones")["list"] == ["1", "2", "3"]
    config = getlist(client, function="updateconfig", listname="phones", tid="2")["config"]
    assert config["identity"] == "PJSIP/bob" and config["number"] == "2002"
    status = getlist(client, function="updatestatus", listname="phones", tid="2")["status"]
    assert status == {"hintstatus": "8", "channels": ["9.1"]}


def test_queues_and_members(rig: Rig) -> None:
    """Queues and queue members are listed from the live state."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support", Completed="3"))
    client = rig.logged_in("alice")
    assert getlist(client, function="listid", listname="queues")["list"] == ["support"]
    status = getlist(client, function="updatestatus", listname="queues", tid="support")["status"]
    assert status["waiting"] == 0


def test_forbidden_and_unknown(rig: Rig) -> None:
    """A list outside the profile, an unknown id or function get error_strings."""
    client = rig.logged_in("carol")
    reply = getlist(client, function="updateconfig", listname="queues", tid="support")
    assert reply["error_string"] == "unknown_or_forbidden_list"
    reply = getlist(client, function="listid", listname="nosuchlist")
    assert reply["error_string"] == "unknown_or_forbidden_list"
    reply = getlist(client, function="listid", listname=["users"])
    assert reply["error_string"] == "unknown_or_forbidden_list"
    reply = getlist(client, function="updateconfig", listname="users", tid="42")
    assert reply["error_string"] == "unknown_id:42"
    assert getlist(client, function="x", listname="users")["error_string"] == "unknown_function"


def test_lists_the_client_asks_for_but_may_not_read_are_empty(rig: Rig) -> None:
    """The desktop client asks every profile for all six lists: those outside the profile
    (and voicemails, not kept) are empty lists, which the client accepts."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support", Strategy="ringall"))
    carol, alice = rig.logged_in("carol"), rig.logged_in("alice")
    for listname in ("queues", "agents", "queuemembers", "voicemails"):
        reply = getlist(carol, function="listid", listname=listname)
        assert reply["list"] == [] and reply["listname"] == listname, reply
    assert getlist(alice, function="listid", listname="queues")["list"] == ["support"]
    assert getlist(alice, function="listid", listname="voicemails")["list"] == []


def test_users_config_carries_the_services(rig: Rig) -> None:
    """A user's updateconfig holds DND and forwards as stored: the desktop client's
    services panel reads them only from there."""
    rig.feed.status_changed(
        rig.ctx.book.set_features("bob", {"enablednd": True, "enableunc": True, "destunc": "2001"})
    )
    config = getlist(rig.logged_in("carol"), function="updateconfig", listname="users", tid="2")
    assert config["config"]["loginclient"] == "bob"
    assert (config["config"]["enablednd"], config["config"]["destunc"]) == (True, "2001")
    assert config["config"]["enablerna"] is False and config["config"]["destbusy"] == ""


def test_agents_in_the_clients_words(rig: Rig) -> None:
    """A user's config names its agent; an agent's status says available / unavailable /
    logged_out (the client's words) and lists the queues it is a member of."""
    client = rig.logged_in("alice")
    assert getlist(client, function="updateconfig", listname="users", tid="2")["config"][
        "agentid"
    ] == "7"  # fmt: skip
    rig.feed.event(Message.of(Event="Agents", Agent="7", Name="Bob",
                                      Status="AGENT_LOGGEDOFF"))  # fmt: skip
    rig.feed.event(Message.of(Event="QueueMemberAdded", Queue="support",
                                      Interface="Agent/7", MemberName="Bob"))  # fmt: skip
    config = getlist(client, function="updateconfig", listname="agents", tid="7")["config"]
    assert (config["number"], config["firstname"]) == ("7", "Bob")
    queue = getlist(client, function="updateconfig", listname="queues", tid="support")["config"]
    assert queue["name"] == queue["displayname"] == "support"  # the queues panel's name
    status = getlist(client, function="updatestatus", listname="agents", tid="7")["status"]
    assert status["availability"] == "logged_out" and status["queues"] == ["support"]
    for event, availability in (("AgentLogin", "available"), ("AgentCalled", "unavailable")):
        rig.feed.event(Message.of(Event=event, Agent="7", Interface="Agent/7",
                                          Queue="support", Channel="PJSIP/bob-1"))  # fmt: skip
        status = getlist(client, function="updatestatus", listname="agents", tid="7")["status"]
        assert status["availability"] == availability


def test_lists_of_each_ipbx() -> None:
    """``tipbxid`` picks the ipbx: its users and phones (dave is b's), its live state (a
    channel of b shows on dave's phone only); an ipbx the node does not have is taken for
    the default one, as with a single ipbx (the reply says which)."""
    rig = Rig(ipbx_b=True)
    new_channel(rig.feed, "b-9.1", "PJSIP/dave-00000001", ipbx="b")
    new_channel(rig.feed, "9.2", "PJSIP/dave-00000002")
    client = rig.logged_in("alice")
    assert getlist(client, function="listid", listname="phones")["list"] == ["1", "2", "3"]
    reply = getlist(client, function="listid", listname="phones", tipbxid="b")
    assert (reply["tipbxid"], reply["list"]) == ("b", ["4"])
    status = getlist(client, function="updatestatus", listname="phones", tid="4", tipbxid="b")
    assert status["status"]["channels"] == ["b-9.1"]
    reply = getlist(client, function="updatestatus", listname="phones", tid="4")
    assert reply["error_string"] == "unknown_id:4"
    reply = getlist(client, function="listid", listname="phones", tipbxid="c")
    assert (reply["tipbxid"], reply["list"]) == ("xivo", ["1", "2", "3"])
