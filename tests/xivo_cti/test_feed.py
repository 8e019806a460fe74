"""Tests for xivo_cti._feed: AMI event -> state -> views -> broadcaster, one way."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from xivo_cti._feed import Feed
from xivo_cti.ami._message import Message
from xivo_cti.state import LiveState
from xivo_cti.state._changes import Change, DeviceStateChanged


class Pushes:
    """A PushView stand-in recording what it was given."""

    def __init__(self) -> None:
        self.given: list[list[Change]] = []

    def changed(self, changes, ipbx=None):
        self.given.append(list(changes))
        return [("phones", {"n": len(changes), "ipbx": ipbx})]


class Published:
    def __init__(self) -> None:
        self.messages: list[tuple[str, dict]] = []

    def publish(self, topic: str, message: dict) -> int:
        self.messages.append((topic, message))
        return 1


class Watches:
    """A StatusWatches stand-in: one watcher of every item, recording what it is sent."""

    def __init__(self) -> None:
        self.sent: list[dict] = []

    def changed(self, listname: str, tid: str, ipbx: str) -> list:
        return [(self, {"class": "user_status_update", "of": [ipbx, listname, tid]})]

    def send(self, message: dict) -> None:
        self.sent.append(message)


def make() -> tuple[Feed, LiveState, Pushes, Published, CollectorRegistry]:
    registry = CollectorRegistry()
    state, pushes, out = LiveState(), Pushes(), Published()
    counter = Counter("events", "test", registry=registry)
    feed = Feed({"xivo": state}, pushes, out, counter, Watches(), ipbxid="xivo")  # type: ignore[arg-type]
    return feed, state, pushes, out, registry


def test_status_pushes_reach_the_watchers() -> None:
    """An updatestatus push is also handed to the sessions watching its item; other pushes
    are not."""
    state, out, watches = LiveState(), Published(), Watches()
    pushes = Pushes()
    pushes.changed = lambda changes, ipbx: [  # type: ignore[method-assign]
        ("users", {"function": "updatestatus", "tid": "2", "tipbxid": "xivo"}),
        ("queues", {"function": "addconfig", "list": ["q"]}),
    ]
    counter = Counter("events", "test", registry=CollectorRegistry())
    feed = Feed({"xivo": state}, pushes, out, counter, watches, ipbxid="xivo")  # type: ignore[arg-type]
    feed.event(Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE"))
    assert [m["of"] for m in watches.sent] == [["xivo", "users", "2"]]
    assert len(out.messages) == 2


def test_event_goes_through_state_then_views_then_delivery() -> None:
    """An event that changes the state reaches the views as changes, their pushes the
    broadcaster; every event is counted."""
    feed, state, pushes, out, registry = make()
    feed.event(Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE"))
    assert state.devices["PJSIP/a"] == "INUSE"
    assert pushes.given == [[DeviceStateChanged(device="PJSIP/a", state="INUSE")]]
    assert out.messages == [("phones", {"n": 1, "ipbx": None})]
    assert registry.get_sample_value("events_total") == 1.0


def test_event_without_change_stops_at_the_state() -> None:
    """An event the state ignores (or that changes nothing) never reaches the views."""
    feed, _state, pushes, out, registry = make()
    feed.event(Message.of(Event="VarSet", Variable="x", Value="1"))
    assert pushes.given == [] and out.messages == []
    assert registry.get_sample_value("events_total") == 1.0


def test_each_ipbx_has_its_state_and_its_changes_are_tagged() -> None:
    """An event of ipbx b changes b's state only, and its changes reach the views tagged
    b; an event with no ipbx is the default one's."""
    a, b, pushes, out = LiveState(), LiveState(), Pushes(), Published()
    counter = Counter("events", "test", registry=CollectorRegistry())
    feed = Feed({"a": a, "b": b}, pushes, out, counter, Watches(), ipbxid="a")  # type: ignore[arg-type]
    feed.event(Message.of(Event="DeviceStateChange", Device="PJSIP/x", State="INUSE"), "b")
    assert (a.devices, b.devices) == ({}, {"PJSIP/x": "INUSE"})
    feed.event(Message.of(Event="DeviceStateChange", Device="PJSIP/x", State="RINGING"))
    assert (a.devices, b.devices) == ({"PJSIP/x": "RINGING"}, {"PJSIP/x": "INUSE"})
    assert [m["ipbx"] for _, m in out.messages] == ["b", None]


class Recording:
    """A HistoryRecording stand-in noting whether each batch came from a held ipbx."""

    def __init__(self) -> None:
        self.given: list[tuple[str, bool]] = []

    def changed(self, changes, ipbx, *, held=True):
        self.given.append((ipbx, held))


def test_changes_another_node_holds_are_pushed_and_recorded_as_followed() -> None:
    """``followed`` changes (from the bus) are pushed as ``changed`` ones are, and reach
    the history recording marked as not held by this node."""
    pushes, out, recording = Pushes(), Published(), Recording()
    counter = Counter("events", "test", registry=CollectorRegistry())
    feed = Feed(
        {"a": LiveState(), "b": LiveState()}, pushes, out, counter, Watches(), recording,  # type: ignore[arg-type]
        ipbxid="a",
    )  # fmt: skip
    change = DeviceStateChanged(device="PJSIP/x", state="INUSE")
    feed.followed([change], "b")
    feed.changed([change], "a")
    assert recording.given == [("b", False), ("a", True)]
    assert [m["ipbx"] for _, m in out.messages] == ["b", "a"]
