"""Tests of the picture of the PBX as JSON-ready data (state._snapshot, through LiveState)."""

from __future__ import annotations

import json

import pytest
from twisted.internet.task import Clock

from tests.xivo_cti.state.events import recorded
from xivo_cti.state import ChannelUpdated, LiveState, Resynced

VIEWS = ("channels", "calls", "bridges", "devices", "hints", "queues", "queue_members", "agents")


def busy_state() -> LiveState:
    """A state with channels in bridges, hints, devices, a queue with members and callers."""
    state = LiveState(Clock())
    until = {
        "03_bridge_call.txt": lambda: state.bridges,
        "04_devstate_hints.txt": lambda: False,
        "05_queue.txt": lambda: any(q.callers for q in state.queues.values()),
    }
    for name, done in until.items():
        for message in recorded(name):
            state.apply(message)
            if done():
                break
    return state


def test_a_picture_goes_through_json_whole() -> None:
    """Every entity, the calls and the by-device index come back equal on another node."""
    owner = busy_state()
    data = json.loads(json.dumps(owner.snapshot()))
    follower = LiveState(Clock())
    changes = follower.load_snapshot(data)
    for view in VIEWS:
        assert dict(getattr(follower, view)) == dict(getattr(owner, view)), view
    assert owner.channels and owner.bridges and owner.queue_members and owner.hints
    for channel in owner.channels.values():
        device = channel.name.rpartition("-")[0]
        assert follower.channels_of(device) == owner.channels_of(device)
    updated = {c.channel.uniqueid for c in changes if isinstance(c, ChannelUpdated)}
    assert updated == set(owner.channels) and changes[-1] == Resynced()
    assert follower.load_snapshot(data) == [Resynced()]
    assert not follower.stale


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("channels"),
        lambda d: d.update(devices=[1]),
        lambda d: d["channels"][0].update(state="4"),
        lambda d: d["channels"][0].pop("linkedid"),
        lambda d: d["queues"][0].update(callers=[{"uniqueid": 1}]),
        lambda d: d["bridges"][0].update(channels="a"),
        lambda d: d.update(hung_up=[None]),
        lambda d: d["agents"].append("7"),
    ],
)
def test_a_damaged_picture_is_refused_and_changes_nothing(damage) -> None:
    """A missing list, a field of the wrong type or a missing field is a ValueError; the
    state it was loaded into stays as it was."""
    data = json.loads(json.dumps(busy_state().snapshot()))
    data["agents"] = data["agents"] or []
    damage(data)
    follower = busy_state()
    before = {view: dict(getattr(follower, view)) for view in VIEWS}
    with pytest.raises(ValueError, match="^snapshot: "):
        follower.load_snapshot(data)
    assert {view: dict(getattr(follower, view)) for view in VIEWS} == before


def test_handles_names_the_events_the_state_uses() -> None:
    """The events a node passes on to others are those the state reads."""
    assert LiveState.handles("Newchannel") and LiveState.handles("QueueMemberAdded")
    assert not LiveState.handles("VarSet") and not LiveState.handles(None)
