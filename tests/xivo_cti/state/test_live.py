"""LiveState: dispatch, the changes apply returns, malformed events, the resync rebuild."""

from tests.xivo_cti.state.events import RecordingState, event, recorded, snapshot
from xivo_cti.ami._message import Message
from xivo_cti.state import LiveState
from xivo_cti.state import _live as live
from xivo_cti.state._changes import (
    CallEnded,
    ChannelRemoved,
    ChannelUpdated,
    DeviceStateChanged,
    QueueCallLeft,
    Resynced,
)


def test_unknown_event_ignored():
    """Events the model does not use change nothing and tell nothing."""
    state = RecordingState()
    changes = state.told
    state.apply(event("VarSet", snapshot("1.1"), Variable="x", Value="y"))
    state.apply(Message.of(Response="Success"))
    assert changes == [] and state.channels == {}


def test_malformed_event_logged_and_ignored():
    """A channel event without Uniqueid or with a bad state is skipped, never raises."""
    state = RecordingState()
    state.apply(event("Newchannel", Channel="PJSIP/x"))
    state.apply(event("Newchannel", {**snapshot("1.1"), "ChannelState": "up"}))
    state.apply(event("Newchannel", snapshot("1.2")))
    assert list(state.channels) == ["1.2"]


def test_apply_returns_the_changes_of_that_event_only():
    """apply returns what this event changed, nothing of earlier events."""
    state = LiveState()
    first = state.apply(event("DeviceStateChange", Device="d", State="INUSE"))
    second = state.apply(event("DeviceStateChange", Device="d", State="NOT_INUSE"))
    assert list(first) == [DeviceStateChanged(device="d", state="INUSE")]
    assert list(second) == [DeviceStateChanged(device="d", state="NOT_INUSE")]
    assert state.apply(event("DeviceStateChange", Device="d", State="NOT_INUSE")) == []
    assert state.devices["d"] == "NOT_INUSE"


def test_channels_of_a_device_follow_channels():
    """channels_of lists a device's live channels, oldest first, across renames and hangups."""
    state = LiveState()
    state.apply(event("Newchannel", snapshot("1.1", name="PJSIP/alice-00000001")))
    state.apply(event("Newchannel", snapshot("1.2", name="PJSIP/alice-00000002")))
    state.apply(event("Newchannel", snapshot("1.3", name="PJSIP/bob-00000003")))
    assert state.channels_of("PJSIP/alice") == ["1.1", "1.2"]
    state.apply(event("Rename", snapshot("1.2", name="PJSIP/alice-00000002"),
                      Newname="PJSIP/bob-00000004"))  # fmt: skip
    state.apply(event("Hangup", snapshot("1.1", name="PJSIP/alice-00000001")))
    assert state.channels_of("PJSIP/alice") == []
    assert state.channels_of("PJSIP/bob") == ["1.3", "1.2"]


def test_views_are_read_only():
    """The mappings cannot be changed by readers."""
    state = RecordingState()
    try:
        state.devices["x"] = "INUSE"  # type: ignore[index]
    except TypeError:
        pass
    assert state.devices == {}


def test_resync_replaces_picture_and_tells_differences():
    """finish_resync drops what Asterisk no longer has, adds what it has, then Resynced."""
    state = RecordingState()
    state.apply(event("Newchannel", snapshot("old")))
    state.apply(event("DeviceStateChange", Device="d", State="INUSE"))
    state.apply(event("DeviceStateChange", Device="gone", State="INUSE"))
    token = state.begin_resync()
    changes = state.finish_resync(
        token,
        [
            event("CoreShowChannel", snapshot("new"), Duration="00:00:01", BridgeId=""),
            event("DeviceStateChange", Device="d", State="INUSE"),
        ],
    )
    assert changes is not None and not state.stale
    assert list(state.channels) == ["new"]
    assert "gone" not in state.devices
    assert ChannelRemoved(uniqueid="old", channel=changes[0].channel) == changes[0]
    assert CallEnded(linkedid="old") in changes
    assert DeviceStateChanged(device="gone", state="UNKNOWN") in changes
    assert DeviceStateChanged(device="d", state="INUSE") not in changes
    assert changes[-1] == Resynced()


def test_events_during_resync_replayed_in_order():
    """Live events arriving during a resync are applied now and replayed after the lists."""
    state = RecordingState()
    token = state.begin_resync()
    # while the lists are collected: a new call comes and another one ends
    state.apply(event("Newchannel", snapshot("b")))
    state.apply(event("Hangup", snapshot("a")))
    state.apply(event("DeviceStateChange", Device="d", State="RINGING"))
    assert "b" in state.channels
    # the list (taken before those events) still shows "a", not "b", d NOT_INUSE
    lists = [
        event("CoreShowChannel", snapshot("a"), Duration="00:00:09", BridgeId=""),
        event("DeviceStateChange", Device="d", State="NOT_INUSE"),
    ]
    state.apply(event("DeviceStateChange", Device="d", State="INUSE"))
    assert state.finish_resync(token, lists)
    assert list(state.channels) == ["b"]
    assert state.devices["d"] == "INUSE"


def test_superseded_resync_is_refused():
    """Only the latest begin_resync can finish; an older token leaves the state stale."""
    state = RecordingState()
    first = state.begin_resync()
    second = state.begin_resync()
    assert state.finish_resync(first, [event("Newchannel", snapshot("x"))]) is None
    assert state.stale and state.channels == {}
    assert state.finish_resync(second, [])
    assert not state.stale and not state.resyncing


def test_too_many_recorded_events_abort_resync(monkeypatch):
    """A resync recording past its cap cannot finish (and live events still apply)."""
    monkeypatch.setattr(live, "MAX_RECORDED_EVENTS", 2)
    state = RecordingState()
    token = state.begin_resync()
    for n in range(4):
        state.apply(event("Newchannel", snapshot(f"c{n}")))
    assert not state.resyncing
    assert state.finish_resync(token, []) is None
    assert len(state.channels) == 4 and state.stale


def test_abort_resync_marks_stale():
    """abort_resync stops recording and marks the state stale."""
    state = RecordingState()
    assert state.finish_resync(state.begin_resync(), [])
    token = state.begin_resync()
    state.abort_resync(token)
    assert state.stale and not state.resyncing


def test_resync_keeps_creation_time():
    """A channel known before and after a resync keeps its precise creation time."""
    state = RecordingState()
    state.apply(event("Newchannel", snapshot("a")))
    created = state.channels["a"].created
    lists = [event("CoreShowChannel", snapshot("a"), Duration="00:10:00", BridgeId="")]
    changes = state.finish_resync(state.begin_resync(), lists)
    assert changes == [Resynced()]
    assert state.channels["a"].created == created
    assert not any(isinstance(c, ChannelUpdated) for c in changes)


def test_recorded_core_show_channels_list():
    """The recorded CoreShowChannels answer rebuilds the channels it lists, bridged."""
    msgs = recorded("03_bridge_call.txt")
    lists = [m for m in msgs if m.event == "CoreShowChannel"]
    state = RecordingState()
    assert state.finish_resync(state.begin_resync(), lists)
    assert set(state.channels) == {m["Uniqueid"] for m in lists}
    assert any(len(b.channels) == 2 for b in state.bridges.values())


def test_recorded_burst_of_300_calls():
    """Replaying the 300-call burst: 300 calls up at once at the peak, none left after."""
    state = RecordingState()
    peak = 0
    for msg in recorded("08_burst_300_calls.txt"):
        state.apply(msg)
        peak = max(peak, len(state.calls))
    assert peak == 300
    assert state.channels == {} and state.calls == {} and state.bridges == {}


def test_a_caller_leaving_a_queue_is_a_change():
    """An abandon is told as ``QueueCallLeft`` (for the history store) besides counting
    in the queue's window."""
    state = LiveState()
    changes = state.apply(
        event("QueueCallerAbandon", snapshot("1.1"), Queue="q", HoldTime="12", Position="1")
    )
    (left,) = [c for c in changes if isinstance(c, QueueCallLeft)]
    assert (left.queue, left.uniqueid, left.holdtime, left.answered) == ("q", "1.1", 12, False)
    assert state.queue_outcomes.window("q", 60, 60).abandoned == 1
