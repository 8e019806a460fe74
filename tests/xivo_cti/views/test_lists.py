"""Tests of the five CTI lists read from the state, users and status book (views._lists)."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami import Message
from xivo_cti.users import UserStatusBook
from xivo_cti.views import ListView, phone_status


def test_lists_are_read_from_the_state_and_users() -> None:
    """ids, config and status come from the live state and the user table."""
    rig = Rig()
    rig.state.apply(Message.of(Event="QueueParams", Queue="support", Strategy="ringall"))
    lists = ListView(rig.state, rig.users, UserStatusBook())
    assert lists.ids("users") == ["1", "2", "3"] and lists.ids("queues") == ["support"]
    assert lists.config("queues", "support") == {
        "name": "support", "displayname": "support", "number": "", "context": "",
        "strategy": "ringall",
    }  # fmt: skip
    assert lists.config("phones", "3")["identity"] == "Custom:carol"
    assert lists.status("users", "1")["availstate"] == "disconnected"
    assert lists.status("queues", "nope") is None and lists.ids("unknown") == []


def test_phone_status_reads_channels_by_device() -> None:
    """A phone's channels are its line's live channels, from the state's own index."""
    rig = Rig()
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001")
    new_channel(rig.feed, "1.2", "PJSIP/alice-00000002")
    bob = rig.users.get("bob")
    assert phone_status(bob, rig.state) == {"hintstatus": "-1", "channels": ["1.1"]}
    rig.state.apply(Message.of(Event="DeviceStateChange", Device="PJSIP/bob", State="INUSE"))
    assert phone_status(bob, rig.state)["hintstatus"] == "1"
