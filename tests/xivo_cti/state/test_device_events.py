"""Device and hint state events applied to the live state."""

from tests.xivo_cti.state.events import RecordingState, event, recorded
from xivo_cti.state._changes import DeviceStateChanged, HintChanged
from xivo_cti.state._entities import Hint


def test_device_state_change_sets_state_once():
    """DeviceStateChange sets the device's state and tells it only when it changes."""
    state = RecordingState()
    changes = state.told
    state.apply(event("DeviceStateChange", Device="PJSIP/alice", State="INUSE"))
    state.apply(event("DeviceStateChange", Device="PJSIP/alice", State="INUSE"))
    assert state.devices["PJSIP/alice"] == "INUSE"
    assert changes == [DeviceStateChanged(device="PJSIP/alice", state="INUSE")]


def test_extension_status_sets_hint():
    """ExtensionStatus stores the hint with its numeric status."""
    state = RecordingState()
    state.apply(
        event(
            "ExtensionStatus",
            Exten="2001",
            Context="hints",
            Hint="Custom:alice",
            Status="9",
            StatusText="InUse&Ringing",
        )
    )
    assert state.hints[("2001", "hints")] == Hint(
        "2001", "hints", "Custom:alice", 9, "InUse&Ringing"
    )


def test_bad_status_is_ignored():
    """A non-numeric hint status is logged and ignored, the model goes on."""
    state = RecordingState()
    state.apply(event("ExtensionStatus", Exten="1", Context="c", Status="busy"))
    state.apply(event("DeviceStateChange", Device="Custom:x", State="RINGING"))
    assert state.hints == {} and state.devices["Custom:x"] == "RINGING"


def test_recorded_devstate_changes_move_hint_codes():
    """Replaying `devstate change Custom:alice ...`: hint 2001 goes through 1, 8, 16, 0."""
    state = RecordingState()
    seen: list[int] = []
    for msg in recorded("04_devstate_hints.txt"):
        seen += [c.hint.status for c in state.apply(msg) if isinstance(c, HintChanged)]
    assert seen[:2] == [1, 8]
    assert 16 in seen
    assert state.hints[("2001", "hints")].status == 0
    assert state.devices["Custom:alice"] == "NOT_INUSE"
