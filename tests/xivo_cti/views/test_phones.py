"""Tests for xivo_cti.views._phones: a phone's status and its calls for the web panel."""

from __future__ import annotations

from dataclasses import replace

from tests.xivo_cti.conftest import Rig, new_channel
from xivo_cti.ami import Message
from xivo_cti.views import phone_status


def test_phone_status_reads_channels_by_device() -> None:
    """A phone's channels are its line's live channels, from the state's own index."""
    rig = Rig()
    new_channel(rig.feed, "1.1", "PJSIP/bob-00000001")
    new_channel(rig.feed, "1.2", "PJSIP/alice-00000002")
    bob = rig.users.get("bob")
    assert phone_status(bob, rig.state) == {"hintstatus": "-1", "channels": ["1.1"]}
    rig.state.apply(Message.of(Event="DeviceStateChange", Device="PJSIP/bob", State="INUSE"))
    assert phone_status(bob, rig.state)["hintstatus"] == "1"


def test_phone_status_summarises_each_call_for_the_panel() -> None:
    """With ``calls`` (the panel served), each channel of the line as a call: ringing with
    the caller as the connected line names it (``<unknown>`` as empty), then up, then
    held; its start time kept. Without, no ``calls`` (the pushes stay as small)."""
    rig = Rig()
    caller = {"ConnectedLineNum": "+33123456789", "ConnectedLineName": "Alice Martin"}

    def event(name: str, state: str, desc: str, **fields: str) -> None:
        rig.feed.event(
            Message.of(
                Event=name, Uniqueid="1.1", Channel="PJSIP/bob-00000001", Context="default",
                Exten="s", Linkedid="1.0", ChannelState=state, ChannelStateDesc=desc,
                **{**caller, **fields},
            )
        )  # fmt: skip

    def call() -> dict:
        [summary] = phone_status(rig.users.get("bob"), rig.state, calls=True)["calls"]
        return summary

    event("Newchannel", "5", "Ringing")
    assert "calls" not in phone_status(rig.users.get("bob"), rig.state)
    since = rig.state.channels["1.1"].created
    assert call() == {"uniqueid": "1.1", "state": "ringing", "peer_name": "Alice Martin",
                      "peer_num": "+33123456789", "since": since}  # fmt: skip
    event("Newstate", "6", "Up")
    assert call()["state"] == "up"
    event("Hold", "6", "Up")
    assert call()["state"] == "held"
    event("NewConnectedLine", "4", "Ring", ConnectedLineName="<unknown>",
          ConnectedLineNum="<unknown>")  # fmt: skip
    assert (call()["peer_name"], call()["peer_num"], call()["state"]) == ("", "", "held")
    event("Unhold", "4", "Ring")
    assert call()["state"] == "dialing" and call()["since"] == since


def test_a_local_lines_inner_half_is_no_call() -> None:
    """A Local line's ``;2`` half (the dialplan inside the "phone") is among its channels
    but not among its calls: the ``;1`` half is the call."""
    rig = Rig()
    new_channel(rig.feed, "1.1", "Local/300@panel_phone-00000001;1")
    new_channel(rig.feed, "1.2", "Local/300@panel_phone-00000001;2")
    gina = replace(rig.users.get("bob"), line="Local/300@panel_phone")
    status = phone_status(gina, rig.state, calls=True)
    assert status["channels"] == ["1.1", "1.2"]
    assert [call["uniqueid"] for call in status["calls"]] == ["1.1"]
