"""Tests of the history recorder: channel changes -> one row per user and call."""

from __future__ import annotations

import dataclasses

from tests.xivo_cti.conftest import bcrypt_hash
from xivo_cti.history import HistoryRecorder, LineOwner, line_owners
from xivo_cti.state import Channel, ChannelRemoved, ChannelUpdated, DeviceStateChanged
from xivo_cti.userdata import MISSED, RECEIVED, SENT, HistoryRow
from xivo_cti.users import users_from_records

OWNERS = {
    ("xivo", "PJSIP/alice"): LineOwner("alice", "2001", "Alice Martin"),
    ("xivo", "PJSIP/bob"): LineOwner("bob", "2002", "Bob Lee"),
    ("xivo", "Local/2003@phones"): LineOwner("carol", "2003", "Carol"),
    ("b", "PJSIP/dave"): LineOwner("dave", "3001", "Dave"),
}


def chan(uniqueid: str, name: str, linkedid: str, **fields) -> Channel:
    values = dict(state=4, state_desc="Ring", caller_id_num="", caller_id_name="",
                  connected_num="", connected_name="", context="default", exten="s",
                  linkedid=linkedid, created=100.0)  # fmt: skip
    values.update(fields)
    return Channel(uniqueid, name, **values)


def feed(recorder: HistoryRecorder, *steps, ipbx: str = "xivo") -> list[HistoryRow]:
    """Each step is (now, channel) for an update or (now, channel, "gone") for a hangup,
    on ``ipbx``."""
    rows = []
    for now, channel, *gone in steps:
        change = (ChannelRemoved(uniqueid=channel.uniqueid, channel=channel) if gone
                  else ChannelUpdated(channel=channel))  # fmt: skip
        row = recorder.changed(change, now, ipbx)
        if row is not None:
            rows.append(row)
    return rows


def answered_call(ring: float, answer: float, end: float, bob_name: str = "Alice Martin"):
    """alice (2001) calls 2002; bob's phone rings at ``ring``, answers at ``answer``."""
    a = chan("1.1", "PJSIP/alice-01", "1.1", exten="2002", caller_id_num="2001",
             caller_id_name="Alice Martin")  # fmt: skip
    b = chan("1.2", "PJSIP/bob-02", "1.1", created=ring, connected_num="2001",
             connected_name=bob_name, caller_id_num="2002")  # fmt: skip
    a_up = dataclasses.replace(a, state=6, connected_num="2002", connected_name="Bob Lee")
    b_up = dataclasses.replace(b, state=6)
    return [(100.0, a), (ring, b), (answer, b_up), (answer, a_up), (end, b_up, "gone"),
            (end, a_up, "gone")]  # fmt: skip


def test_answered_call_is_sent_for_the_caller_and_received_for_the_callee():
    """Each side gets one row when its channel hangs up: alice sent to 2002 (Bob Lee),
    bob received from 2001 with the caller name Asterisk gave his channel."""
    rows = feed(HistoryRecorder(OWNERS), *answered_call(101.0, 104.0, 134.5))
    assert rows == [
        HistoryRow(login="bob", calldate=101.0, mode=RECEIVED, extension="2001",
                   fullname="Alice Martin", duration=30),
        HistoryRow(login="alice", calldate=100.0, mode=SENT, extension="2002",
                   fullname="Bob Lee", duration=30),
    ]  # fmt: skip


def test_unanswered_call_is_missed_for_the_callee():
    """A callee channel never up gives a missed call, duration 0; the caller's is sent."""
    steps = answered_call(101.0, 104.0, 110.0)
    steps = [steps[0], steps[1], (110.0, steps[1][1], "gone"), (110.0, steps[0][1], "gone")]
    bob, alice = feed(HistoryRecorder(OWNERS), *steps)
    assert (bob.login, bob.mode, bob.duration, bob.fullname) == ("bob", MISSED, 0, "Alice Martin")
    assert (alice.mode, alice.duration, alice.extension) == (SENT, 0, "2002")


def test_both_halves_of_a_local_line_make_one_row():
    """A Local/ line has two channels (;1, ;2) in the call: one row, when the last goes."""
    one = chan("2.2", "Local/2003@phones-00000001;1", "2.1", state=6, connected_num="2001",
               connected_name="Alice")  # fmt: skip
    two = chan("2.3", "Local/2003@phones-00000001;2", "2.1", state=6)
    recorder = HistoryRecorder(OWNERS)
    assert feed(recorder, (5.0, one), (5.0, two), (9.0, one, "gone")) == []
    (row,) = feed(recorder, (9.5, two, "gone"))
    assert row == HistoryRow(login="carol", calldate=100.0, mode=RECEIVED, extension="2001",
                             fullname="Alice", duration=4)  # fmt: skip


def test_channels_of_others_and_other_changes_make_nothing():
    """A trunk channel, a device state change: no row, and nothing kept."""
    recorder = HistoryRecorder(OWNERS)
    trunk = chan("3.1", "PJSIP/trunk-01", "3.1")
    assert feed(recorder, (1.0, trunk), (2.0, trunk, "gone")) == []
    assert (
        recorder.changed(DeviceStateChanged(device="PJSIP/bob", state="INUSE"), 3.0, "xivo") is None
    )


def test_unknown_connected_line_is_left_empty():
    """Asterisk's ``<unknown>`` is no name nor number."""
    b = chan("4.2", "PJSIP/bob-01", "4.1", connected_num="<unknown>", connected_name="<unknown>")
    (row,) = feed(HistoryRecorder(OWNERS), (1.0, b), (2.0, b, "gone"))
    assert (row.mode, row.extension, row.fullname) == (MISSED, "", "")


def test_set_owners_applies_to_new_channels():
    """A user added to the table is followed from its next channel."""
    recorder = HistoryRecorder()
    b = chan("5.2", "PJSIP/bob-01", "5.1")
    assert feed(recorder, (1.0, b), (2.0, b, "gone")) == []
    users = users_from_records(
        [{"login": "bob", "password_hash": bcrypt_hash("pw"), "line": "PJSIP/bob",
          "extension": "2002"}], "test")  # fmt: skip
    recorder.set_owners(line_owners(users, lambda user: "xivo"))
    b2 = chan("5.4", "PJSIP/bob-02", "5.3")
    (row,) = feed(recorder, (3.0, b2), (4.0, b2, "gone"))
    assert row.login == "bob" and row.mode == MISSED


def test_the_calls_first_channel_seen_late_still_makes_it_sent():
    """carol's ;2 half reported before her ;1 (the call's first channel): sent."""
    two = chan("6.2", "Local/2003@phones-00000002;2", "6.1", state=6)
    one = chan("6.1", "Local/2003@phones-00000002;1", "6.1", state=6, exten="2002")
    (row,) = feed(HistoryRecorder(OWNERS), (1.0, two), (1.0, one), (3.0, two, "gone"),
                  (3.0, one, "gone"))  # fmt: skip
    assert (row.login, row.mode, row.extension, row.duration) == ("carol", SENT, "2002", 2)


def test_a_connected_line_naming_the_user_itself_is_not_the_other_party():
    """A click-to-dial: Asterisk gives the phone's channel the Originate's caller id (the
    user) as connected line until a Dial answers; with no Dial the row names no one."""
    own = chan("3.1", "PJSIP/alice-05", "3.1", state=6, exten="s", connected_num="2001",
               connected_name="Alice Martin")  # fmt: skip
    (row,) = feed(HistoryRecorder(OWNERS), (100.0, own), (110.0, own, "gone"))
    assert (row.mode, row.fullname, row.extension) == (SENT, "", "")
    at_4242 = dataclasses.replace(own, exten="4242")
    (row,) = feed(HistoryRecorder(OWNERS), (100.0, at_4242), (110.0, at_4242, "gone"))
    assert (row.fullname, row.extension) == ("", "4242")
    dialled = dataclasses.replace(own, connected_num="2002", connected_name="Bob Lee")
    (row,) = feed(HistoryRecorder(OWNERS), (100.0, own), (101.0, dialled), (110.0, dialled, "gone"))
    assert (row.fullname, row.extension) == ("Bob Lee", "2002")


def test_a_click_to_dial_into_an_application_names_what_the_dialplan_set():
    """No Dial: the number is where the channel was when it hung up (its last picture);
    the connected line keeps the user's number, and a name the dialplan gave it (not the
    user's own) is the other party's."""
    own = chan("4.1", "PJSIP/alice-06", "4.1", state=6, exten="s", connected_num="2001",
               connected_name="Alice Martin")  # fmt: skip
    named = dataclasses.replace(own, connected_name="Echo test")
    hung_up = dataclasses.replace(named, exten="2103")
    (row,) = feed(HistoryRecorder(OWNERS), (100.0, own), (101.0, named), (103.0, hung_up, "gone"))
    assert (row.mode, row.fullname, row.extension, row.duration) == (SENT, "Echo test", "2103", 3)


def test_the_hangup_extension_does_not_replace_the_number_dialled():
    """An ``h`` extension run at hangup is not a number: the one dialled stays."""
    dialled = chan("5.1", "PJSIP/alice-07", "5.1", state=6, exten="2104")
    at_h = dataclasses.replace(dialled, exten="h")
    (row,) = feed(HistoryRecorder(OWNERS), (100.0, dialled), (102.0, at_h, "gone"))
    assert row.extension == "2104"


def test_a_line_is_of_its_ipbx():
    """The same device on another ipbx is not the user's line (and the same uniqueid there
    another channel); a user of ipbx b is followed on b's changes."""
    a = chan("7.1", "PJSIP/alice-01", "7.1", exten="2002")
    assert feed(HistoryRecorder(OWNERS), (1.0, a), (2.0, a, "gone"), ipbx="b") == []
    recorder = HistoryRecorder(OWNERS)
    d = chan("7.1", "PJSIP/dave-01", "7.1", exten="4242")
    assert feed(recorder, (1.0, a), ipbx="xivo") == []
    (dave,) = feed(recorder, (1.0, d), (3.0, d, "gone"), ipbx="b")
    (alice,) = feed(recorder, (4.0, a, "gone"), ipbx="xivo")
    assert (dave.login, dave.extension, alice.login, alice.extension) == (
        "dave", "4242", "alice", "2002")  # fmt: skip
