"""Tests of the client's own call classes: what reaches AMI, and what never does."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami import Message
from xivo_cti.commands import CommandError
from xivo_cti.commands._calls import current_channel
from xivo_cti.users import Profile


def bridge(rig: Rig, uniqueid: str, name: str, bridge_id: str) -> None:
    """A BridgeEnter of a channel (created if new) into ``bridge_id``."""
    rig.feed.event(
        Message.of(
            Event="BridgeEnter", BridgeUniqueid=bridge_id, Uniqueid=uniqueid, Channel=name,
            ChannelState="6", ChannelStateDesc="Up", Context="default", Exten="s",
            Linkedid="1.1",
        )
    )  # fmt: skip


def command(client, klass: str, **body) -> dict:
    client.send(**{"class": klass, "commandid": 9, **body})
    return client.received()[-1]


def bob_in_call(rig: Rig) -> None:
    """bob's phone bridged with a caller."""
    bridge(rig, "1.1", "PJSIP/bob-00000001", "b1")
    bridge(rig, "1.2", "PJSIP/trunk-00000002", "b1")


def test_current_channel_prefers_the_newest_bridged_one() -> None:
    """A bridged channel wins over a newer ringing one, except for nothing bridged."""
    rig = Rig()
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001")
    bridge(rig, "1.2", "PJSIP/bob-00000002", "b1")
    new_channel(rig.feed, "1.3", "PJSIP/bob-00000003")
    channels = rig.state.channels
    assert current_channel(channels, ["1.1", "1.2", "1.3"], bridged=True).uniqueid == "1.2"
    assert current_channel(channels, ["1.1", "1.3"], bridged=False).uniqueid == "1.3"
    with pytest.raises(CommandError):
        current_channel(channels, ["1.1", "1.3"], bridged=True)
    with pytest.raises(CommandError):
        current_channel(channels, ["9.9"], bridged=False)


def test_hangup_hangs_up_the_users_current_call(rig: Rig) -> None:
    """hangup (no fields) sends Hangup of the user's own channel."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    assert command(client, "hangup")["class"] == "hangup"
    assert rig.ami.actions == [("Hangup", {"Channel": "PJSIP/bob-00000001"})]


def test_without_a_call_nothing_is_sent(rig: Rig) -> None:
    """Every class answers no_call when the user's line has no channel."""
    bridge(rig, "1.2", "PJSIP/trunk-00000002", "b1")
    client = rig.logged_in("bob")
    for klass in ("hangup", "direct_transfer", "attended_transfer"):
        assert command(client, klass, number="1234")["error_string"] == "no_call"
    for klass in ("complete_transfer", "cancel_transfer"):
        assert command(client, klass)["error_string"] == "no_transfer"
    assert rig.ami.actions == []


def test_direct_transfer_blind_transfers_to_the_number(rig: Rig) -> None:
    """direct_transfer: BlindTransfer of the user's channel to number@context."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    assert command(client, "direct_transfer", number="1234")["number"] == "1234"
    assert rig.ami.actions == [
        ("BlindTransfer", {"Channel": "PJSIP/bob-00000001", "Exten": "1234",
                           "Context": "default"}),
    ]  # fmt: skip


def test_a_bad_number_is_refused_before_any_action(rig: Rig) -> None:
    """A number with CR/LF or non-dial characters never reaches AMI."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    for klass in ("direct_transfer", "attended_transfer"):
        reply = command(client, klass, number="12\r\nAction: Command")
        assert reply["error_string"].startswith("unreachable_extension:"), reply
        assert command(client, klass)["error_string"].startswith("unreachable_extension:")
    assert rig.ami.actions == []


def test_attended_transfer_then_complete(rig: Rig) -> None:
    """Atxfer, then (the consultation going on) complete hangs up the transferer."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    assert command(client, "attended_transfer", number="2001")["class"] == "attended_transfer"
    assert rig.ami.actions[-1] == (
        "Atxfer", {"Channel": "PJSIP/bob-00000001", "Exten": "2001", "Context": "default"},
    )  # fmt: skip
    assert command(client, "complete_transfer")["error_string"] == "no_transfer"  # not yet
    assert command(client, "complete_transfer")["error_string"] == "no_transfer"  # forgotten
    assert command(client, "attended_transfer", number="2001")["class"] == "attended_transfer"
    bridge(rig, "1.1", "PJSIP/bob-00000001", "b2")  # Asterisk moved bob to the target
    assert command(client, "complete_transfer")["class"] == "complete_transfer"
    assert rig.ami.actions[-1] == ("Hangup", {"Channel": "PJSIP/bob-00000001"})
    assert command(client, "cancel_transfer")["error_string"] == "no_transfer"


def test_attended_transfer_then_cancel(rig: Rig) -> None:
    """cancel_transfer sends CancelAtxfer of the transferer during a consultation."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    command(client, "attended_transfer", number="2001")
    bridge(rig, "1.1", "PJSIP/bob-00000001", "b2")
    assert command(client, "cancel_transfer")["class"] == "cancel_transfer"
    assert rig.ami.actions[-1] == ("CancelAtxfer", {"Channel": "PJSIP/bob-00000001"})


def test_a_profile_without_the_command_is_forbidden(rig: Rig) -> None:
    """A profile lacking transfer/atxfer/hangup gets forbidden and nothing is sent."""
    bob_in_call(rig)
    client = rig.logged_in("bob")
    user = rig.users.get("bob")
    restricted = Profile(name="x", lists=frozenset(), commands=frozenset({"dial"}))
    others = [u for u in rig.users.all() if u.login != "bob"]
    rig.replace_users((*others, replace(user, profile=restricted)))
    for klass in ("hangup", "direct_transfer", "attended_transfer", "cancel_transfer"):
        assert command(client, klass, number="1")["error_string"] == "forbidden"
    assert rig.ami.actions == []


def test_attended_transfer_needs_someone_to_transfer(rig: Rig) -> None:
    """A user alone in a bridge (no peer) gets no_call and nothing is sent."""
    bridge(rig, "1.1", "PJSIP/bob-00000001", "b1")
    client = rig.logged_in("bob")
    assert command(client, "attended_transfer", number="2001")["error_string"] == "no_call"
    assert rig.ami.actions == []


def ringing(rig: Rig, uniqueid: str, name: str) -> None:
    """A channel of ``name``'s device that rings (ChannelState 5)."""
    new_channel(rig.feed, uniqueid, name)
    rig.feed.event(
        Message.of(
            Event="Newstate", Uniqueid=uniqueid, Channel=name, ChannelState="5",
            ChannelStateDesc="Ringing", Context="default", Exten="s", Linkedid=uniqueid,
        )
    )  # fmt: skip


def test_answer_picks_up_the_users_ringing_call(rig: Rig) -> None:
    """answer (no fields) originates the user's line, auto-answered, into PickupChan of the
    oldest ringing channel of the line; the reply names it."""
    ringing(rig, "1.1", "PJSIP/bob-00000001")
    ringing(rig, "1.2", "PJSIP/bob-00000002")
    client = rig.logged_in("bob")
    reply = command(client, "answer")
    assert reply["class"] == "answer" and reply["unique_id"] == "1.1"
    action, headers = rig.ami.actions[-1]
    assert action == "Originate"
    assert headers["Channel"] == "PJSIP/bob"
    assert headers["application"] == "PickupChan"
    assert headers["data"] == "PJSIP/bob-00000001"
    assert headers["variables"] == str({"_XIVO_AUTOANSWER": "1"})


def test_answer_takes_the_unique_id_the_switchboard_sends(rig: Rig) -> None:
    """The 18.01 switchboard's ``unique_id`` chooses among the ringing calls."""
    ringing(rig, "1.1", "PJSIP/bob-00000001")
    ringing(rig, "1.2", "PJSIP/bob-00000002")
    client = rig.logged_in("bob")
    assert command(client, "answer", unique_id="1.2")["unique_id"] == "1.2"
    assert rig.ami.actions[-1][1]["data"] == "PJSIP/bob-00000002"


@pytest.mark.parametrize("unique_id", ["1.1", "9.9", 12, ["1.3"]])
def test_answer_refuses_what_is_not_the_users_ringing_call(rig: Rig, unique_id) -> None:
    """Another user's ringing call, an unknown or malformed id, and a call that is not
    ringing (bob's is up in a bridge) get no_call, and nothing is sent."""
    ringing(rig, "1.1", "PJSIP/alice-00000001")
    bridge(rig, "1.3", "PJSIP/bob-00000003", "b1")
    client = rig.logged_in("bob")
    assert command(client, "answer", unique_id=unique_id)["error_string"] == "no_call"
    assert command(client, "answer")["error_string"] == "no_call"
    assert rig.ami.actions == []


def test_answer_needs_the_dial_command(rig: Rig) -> None:
    """A profile without dial may not answer (it originates from the user's line)."""
    ringing(rig, "1.1", "PJSIP/bob-00000001")
    client = rig.logged_in("bob")
    user = rig.users.get("bob")
    restricted = Profile(name="x", lists=frozenset(), commands=frozenset({"hangup"}))
    others = [u for u in rig.users.all() if u.login != "bob"]
    rig.replace_users((*others, replace(user, profile=restricted)))
    assert command(client, "answer")["error_string"] == "forbidden"
    assert rig.ami.actions == []
