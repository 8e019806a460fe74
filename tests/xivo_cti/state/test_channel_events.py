"""Channel, dial, bridge and hold events applied to the live state."""

from twisted.internet.task import Clock

from tests.xivo_cti.state.events import RecordingState, event, recorded, snapshot
from xivo_cti.state import LiveState
from xivo_cti.state._changes import (
    CallEnded,
    CallUpdated,
    ChannelRemoved,
    ChannelUpdated,
)


def make_state() -> tuple[LiveState, list, Clock]:
    clock = Clock()
    clock.advance(1000)
    state = RecordingState(clock)
    changes = state.told
    return state, changes, clock


def test_newchannel_creates_channel_and_call():
    """Newchannel adds a channel with its snapshot fields and a call for its linkedid."""
    state, changes, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1", num="1001", cid_name="Bob")))
    channel = state.channels["1.1"]
    assert (channel.name, channel.state, channel.caller_id_num) == ("PJSIP/1.1-00000001", 4, "1001")
    assert channel.created == 1000
    assert state.calls["1.1"].channels == ("1.1",)
    assert [type(c) for c in changes] == [ChannelUpdated, CallUpdated]


def test_repeated_identical_snapshot_emits_nothing():
    """An event that changes nothing tells nothing."""
    state, changes, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    changes.clear()
    state.apply(event("Newstate", snapshot("1.1")))
    assert changes == []


def test_newstate_and_callerid_update_channel():
    """Newstate and NewCallerid replace the channel with the new fields."""
    state, changes, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    state.apply(event("Newstate", snapshot("1.1", state=6, desc="Up")))
    state.apply(event("NewCallerid", snapshot("1.1", state=6, desc="Up", num="555")))
    channel = state.channels["1.1"]
    assert (channel.state, channel.state_desc, channel.caller_id_num) == (6, "Up", "555")
    assert channel.created == 1000
    assert isinstance(changes[-1], ChannelUpdated) and changes[-1].channel is channel


def test_calls_grouped_by_linkedid_and_ended_after_last_hangup():
    """Channels sharing a linkedid form one call, ended when the last one hangs up."""
    state, changes, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    state.apply(event("Newchannel", snapshot("1.2", linkedid="1.1")))
    assert state.calls["1.1"].channels == ("1.1", "1.2")
    state.apply(event("Hangup", snapshot("1.1"), Cause="16"))
    assert state.calls["1.1"].channels == ("1.2",)
    assert isinstance(changes[-2], ChannelRemoved) and changes[-2].uniqueid == "1.1"
    state.apply(event("Hangup", snapshot("1.2", linkedid="1.1"), Cause="16"))
    assert state.channels == {} and state.calls == {}
    assert changes[-1] == CallEnded(linkedid="1.1")


def test_linkedid_change_moves_channel_between_calls():
    """A channel whose linkedid changes leaves its old call for the new one."""
    state, _, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    state.apply(event("Newchannel", snapshot("1.2")))
    state.apply(event("Newstate", snapshot("1.2", linkedid="1.1")))
    assert state.calls["1.1"].channels == ("1.1", "1.2")
    assert "1.2" not in state.calls


def test_late_event_does_not_resurrect_hung_up_channel():
    """An event for a channel already hung up is ignored."""
    state, _, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    state.apply(event("Hangup", snapshot("1.1")))
    state.apply(event("Newstate", snapshot("1.1", state=6, desc="Up")))
    assert "1.1" not in state.channels


def test_event_for_unknown_channel_creates_it():
    """A snapshot event for a channel never seen creates it (self-healing)."""
    state, _, _ = make_state()
    state.apply(event("Newstate", snapshot("2.1", state=6, desc="Up")))
    assert state.channels["2.1"].state == 6


def test_rename_changes_name():
    """Rename gives the channel its Newname."""
    state, _, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1")))
    state.apply(event("Rename", snapshot("1.1"), Newname="PJSIP/new-2"))
    assert state.channels["1.1"].name == "PJSIP/new-2"


def test_dial_links_caller_and_callee_then_records_status():
    """DialBegin sets each side's dial peer, DialEnd the DialStatus on both."""
    state, _, _ = make_state()
    caller = snapshot("1.1")
    callee = snapshot("1.2", prefix="Dest", linkedid="1.1")
    state.apply(event("DialBegin", caller, callee, DialString="bob"))
    assert state.channels["1.1"].dial_peer == "1.2"
    assert state.channels["1.2"].dial_peer == "1.1"
    state.apply(event("DialEnd", caller, callee, DialStatus="ANSWER"))
    assert state.channels["1.1"].dial_status == "ANSWER"
    assert state.channels["1.2"].dial_status == "ANSWER"


def test_originate_dial_without_caller():
    """A DialBegin from Originate (only Dest fields) creates the callee alone."""
    state, _, _ = make_state()
    state.apply(event("DialBegin", snapshot("1.2", prefix="Dest"), DialString="x"))
    assert list(state.channels) == ["1.2"]


def test_bridge_enter_and_leave():
    """BridgeEnter puts the channel in the bridge, BridgeLeave takes it out."""
    state, _, _ = make_state()
    bridge = {"BridgeUniqueid": "b1", "BridgeType": "basic", "BridgeTechnology": "simple_bridge"}
    state.apply(event("BridgeCreate", bridge))
    state.apply(event("BridgeEnter", bridge, snapshot("1.1")))
    state.apply(event("BridgeEnter", bridge, snapshot("1.2")))
    assert state.bridges["b1"].channels == ("1.1", "1.2")
    assert state.bridges["b1"].bridge_type == "basic"
    assert state.channels["1.1"].bridge_id == "b1"
    state.apply(event("BridgeLeave", bridge, snapshot("1.1")))
    assert state.channels["1.1"].bridge_id == ""
    assert state.bridges["b1"].channels == ("1.2",)
    state.apply(event("Hangup", snapshot("1.2")))
    assert "b1" not in state.bridges
    state.apply(event("BridgeDestroy", bridge))
    assert state.bridges == {}


def test_hold_and_unhold():
    """Hold and Unhold set and clear on_hold."""
    state, _, _ = make_state()
    state.apply(event("Hold", snapshot("1.1"), MusicClass="default"))
    assert state.channels["1.1"].on_hold is True
    state.apply(event("Unhold", snapshot("1.1")))
    assert state.channels["1.1"].on_hold is False


def test_core_show_channel_sets_bridge_and_age():
    """CoreShowChannel creates a channel aged by Duration and in its BridgeId."""
    state, _, _ = make_state()
    state.apply(event("CoreShowChannel", snapshot("1.1"), Duration="01:00:05", BridgeId="b"))
    assert state.channels["1.1"].created == 1000 - 3605
    assert state.channels["1.1"].bridge_id == "b"
    assert state.bridges["b"].channels == ("1.1",)


def test_recorded_bridge_call():
    """Replaying Asterisk's recorded bridged call: two channels bridged, then all gone."""
    state, _, _ = make_state()
    seen_bridged: set[str] = set()
    for msg in recorded("03_bridge_call.txt"):
        state.apply(msg)
        for bridge in state.bridges.values():
            if len(bridge.channels) == 2:
                seen_bridged.update(bridge.channels)
                linkedids = {state.channels[u].linkedid for u in bridge.channels}
                assert len(linkedids) == 1
    assert len(seen_bridged) == 2
    assert state.channels == {} and state.calls == {} and state.bridges == {}


def test_recorded_agi_call_created_then_gone():
    """Replaying the recorded AGI call: its channels appear in one call, then vanish."""
    state, _, _ = make_state()
    most = 0
    for msg in recorded("02_agi_call.txt"):
        state.apply(msg)
        most = max(most, len(state.channels))
        assert len(state.calls) <= 1
    assert most >= 1
    assert state.channels == {} and state.calls == {}


def test_hangup_reports_where_in_the_dialplan_the_channel_was():
    """An Originate's channel is seen before it enters the dialplan; the Hangup's snapshot
    says where it went: the removal carries it, with no update pushed before it."""
    state, changes, _ = make_state()
    state.apply(event("Newchannel", snapshot("1.1", context="phones", exten="2101")))
    changes.clear()
    state.apply(event("Hangup", snapshot("1.1", context="hist_dial", exten="2103"), Cause="16"))
    assert [type(c) for c in changes] == [ChannelRemoved, CallEnded]
    assert (changes[0].channel.context, changes[0].channel.exten) == ("hist_dial", "2103")
    assert changes[0].channel.caller_id_num == "1000"
