"""Tests of unsolicited pushes from live-state changes (xivo_cti.views._pushes)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami._codec import AMIParser
from xivo_cti.ami._message import Message
from xivo_cti.state._changes import HintChanged, QueueRemoved, QueueUpdated
from xivo_cti.state._entities import Hint, Queue, QueueCaller
from xivo_cti.users import UserStatusBook
from xivo_cti.views import ListView, PushView


def pushes(client, listname: str) -> list[dict]:
    return [m for m in client.received() if m.get("listname") == listname]


def test_hint_change_pushes_phone_status_once(rig: Rig) -> None:
    """An ExtensionStatus for a user's extension pushes its phone status, not repeated."""
    client = rig.logged_in("carol")
    client.received()
    event = Message.of(Event="ExtensionStatus", Exten="2003", Context="default", Status="1")
    rig.feed.event(event)
    rig.feed.event(event)
    (push,) = pushes(client, "phones")
    assert push["function"] == "updatestatus" and push["tid"] == "3"
    assert push["status"]["hintstatus"] == "1"


def test_device_state_without_hint(rig: Rig) -> None:
    """A DeviceStateChange of a line with no hint pushes the mapped code."""
    client = rig.logged_in("carol")
    client.received()
    rig.feed.event(Message.of(Event="DeviceStateChange", Device="Custom:carol", State="RINGING"))
    assert pushes(client, "phones")[0]["status"]["hintstatus"] == "8"


def test_channels_pushed_on_new_and_hangup(rig: Rig) -> None:
    """A new channel and its hangup push the phone's channel list."""
    client = rig.logged_in("alice")
    client.received()
    new_channel(rig.feed, "5.1", "PJSIP/bob-0001")
    assert pushes(client, "phones")[0]["status"]["channels"] == ["5.1"]
    rig.feed.event(Message.of(Event="Hangup", Uniqueid="5.1", Channel="PJSIP/bob-0001"))
    assert pushes(client, "phones")[0]["status"]["channels"] == []


def test_queue_member_pushes_respect_profile(rig: Rig) -> None:
    """Queue member changes reach supervisors and agents, not plain users."""
    alice, carol = rig.logged_in("alice"), rig.logged_in("carol")
    alice.received(), carol.received()
    rig.feed.event(
        Message.of(
            Event="QueueMemberAdded", Queue="q1", Interface="PJSIP/bob", MemberName="bob",
            StateInterface="PJSIP/bob", Membership="dynamic", Penalty="0", CallsTaken="0",
            LastCall="0", InCall="0", Status="1", Paused="0", PausedReason="",
        )
    )  # fmt: skip
    members = pushes(alice, "queuemembers")
    assert [m["function"] for m in members] == ["addconfig", "updatestatus"]
    assert members[1]["tid"] == "q1,PJSIP/bob"
    assert pushes(carol, "queuemembers") == []


def _from_ami_bytes(queue: bytes) -> Message:
    parser = AMIParser()
    parser.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    parser.receive_data(b"Event: QueueMemberAdded\r\nQueue: " + queue + b"\r\n")
    parser.receive_data(b"Interface: PJSIP/bob\r\nStatus: 1\r\nPaused: 0\r\n\r\n")
    _banner, message = list(parser)
    return message


@pytest.mark.parametrize(
    ("event", "tid"),
    [
        (_from_ami_bytes(b"q\xed\xa0\x80"), "q\ufffd\ufffd\ufffd,PJSIP/bob"),
        (Message.of(Event="QueueMemberAdded", Queue="q\ud800", Interface="PJSIP/bob",
                    Status="1", Paused="0"), "q\ufffd,PJSIP/bob"),
    ],
    ids=["ami-bytes", "lossless-decoded"],
)  # fmt: skip
def test_surrogate_from_ami_reaches_clients_as_u_fffd(rig: Rig, event: Message, tid: str) -> None:
    """A queue named with a surrogate's bytes, or a lone surrogate (as a lossless decoder
    would give), is pushed as U+FFFD: valid JSON, the client kept."""
    alice = rig.logged_in("alice")
    alice.received()
    rig.feed.event(event)
    assert [m["tid"] for m in pushes(alice, "queuemembers") if "tid" in m] == [tid]
    assert not alice.transport.disconnecting


def test_presence_pushed_to_others(rig: Rig) -> None:
    """availstate of one user is pushed to the others as a users updatestatus."""
    alice, bob = rig.logged_in("alice"), rig.logged_in("bob")
    alice.received()
    bob.send(**{"class": "availstate", "availstate": "away", "commandid": 3})
    assert bob.received()[-1]["replyid"] == 3
    (push,) = pushes(alice, "users")
    assert push["tid"] == "2" and push["status"]["availstate"] == "away"


def test_push_view_is_a_function_of_changes(rig: Rig) -> None:
    """PushView.changed maps changes to (audience, message) pairs, with no client at all."""
    pushes_of = PushView(ListView({"xivo": rig.state}, rig.users, UserStatusBook(), "xivo")).changed
    hint = Hint("2003", "default", "Custom:carol", 1, "InUse")
    rig.state.apply(Message.of(Event="ExtensionStatus", Exten="2003", Context="default",
                               Hint="Custom:carol", Status="1"))  # fmt: skip
    out = pushes_of([HintChanged(hint=hint), HintChanged(hint=hint)])
    assert out == [
        ("phones", {"class": "getlist", "function": "updatestatus", "listname": "phones",
                    "tipbxid": "xivo", "tid": "3",
                    "status": {"hintstatus": "1", "channels": []}}),
    ]  # fmt: skip
    assert pushes_of([QueueRemoved(queue="never-pushed")]) == []


def test_queue_entries_pushed_when_the_callers_change(rig: Rig) -> None:
    """A queue's waiting callers go to the ``queueentries`` audience when they change (not
    on other queue changes), and as an empty list when the queue goes; a queue of the same
    name on another ipbx has its own."""
    states = {"xivo": rig.state, "b": rig.state_b}
    pushes_of = PushView(ListView(states, rig.users, UserStatusBook(), "xivo")).changed
    caller = QueueCaller("1.1", "PJSIP/c-1", 1, "555", "Caller", 7.0)
    queue = Queue("q1", callers=(caller,))
    out = pushes_of([QueueUpdated(queue=queue), QueueUpdated(queue=replace(queue, completed=3))])
    assert [m for audience, m in out if audience == "queueentries"] == [
        {"class": "queueentryupdate", "tipbxid": "xivo", "state": {"queue_id": "q1", "entries": [
            {"position": 1, "name": "Caller", "number": "555", "join_time": 7.0,
             "uniqueid": "1.1"}]}}]  # fmt: skip
    out = pushes_of([QueueUpdated(queue=queue)], "b")
    assert [m["tipbxid"] for audience, m in out if audience == "queueentries"] == ["b"]
    out = pushes_of([QueueRemoved(queue="q1")])
    assert ("queueentries", {"class": "queueentryupdate", "tipbxid": "xivo",
                             "state": {"queue_id": "q1", "entries": []}}) in out  # fmt: skip


def config_pushes(client) -> list[dict]:
    return [m for m in pushes(client, "users") if m["function"] == "updateconfig"]


def test_services_changed_by_another_session_are_pushed_as_config(rig: Rig) -> None:
    """DND set in one session of bob reaches his other session as a users updateconfig;
    a presence change alone pushes no config."""
    first, second = rig.logged_in("bob"), rig.logged_in("bob")
    first.received(), second.received()
    first.send(**{"class": "featuresput", "function": "enablednd", "value": True,
                  "commandid": 3})  # fmt: skip
    (push,) = config_pushes(second)
    assert push["tid"] == "2" and push["config"]["enablednd"] is True
    assert push["config"]["fullname"] == "bob"
    first.send(**{"class": "availstate", "availstate": "away", "commandid": 4})
    assert config_pushes(second) == []


def test_services_read_back_from_the_astdb_are_pushed_as_config(rig: Rig) -> None:
    """A new AstDB picture pushes the config of the users whose services changed only."""
    alice = rig.logged_in("alice")
    alice.received()
    rig.feed.status_changed(
        rig.ctx.book.replace_features({"bob": {"enableunc": True, "destunc": "1234"}})
    )
    (push,) = config_pushes(alice)
    assert push["tid"] == "2" and push["config"]["destunc"] == "1234"
    rig.feed.status_changed(
        rig.ctx.book.replace_features({"bob": {"enableunc": True, "destunc": "1234"}})
    )
    assert config_pushes(alice) == []
    rig.feed.status_changed(rig.ctx.book.replace_features({}))
    (push,) = config_pushes(alice)
    assert push["config"]["enableunc"] is False and push["config"]["destunc"] == ""


def test_changes_of_an_ipbx_push_its_items() -> None:
    """A channel of ipbx b pushes the phone of b's user on that line, with tipbxid b; the
    same line on the default ipbx is another phone."""
    rig = Rig(ipbx_b=True)
    client = rig.logged_in("alice")
    client.received()
    new_channel(rig.feed, "b-1.1", "PJSIP/dave-00000001", ipbx="b")
    (push,) = pushes(client, "phones")
    assert (push["tipbxid"], push["tid"]) == ("b", "4")
    assert push["status"]["channels"] == ["b-1.1"]
    new_channel(rig.feed, "1.2", "PJSIP/dave-00000002")
    assert pushes(client, "phones") == []
