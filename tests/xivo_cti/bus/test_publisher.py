"""The owner's side of an ipbx: numbered changes, heartbeats, epochs, snapshots."""

from __future__ import annotations

from twisted.internet.defer import fail, succeed
from twisted.internet.task import Clock

from tests.xivo_cti.state.events import recorded
from xivo_cti.ami import Message
from xivo_cti.bus import Heartbeat, Snapshot, SnapshotRequest, decode
from xivo_cti.bus._publisher import ChangePublisher
from xivo_cti.state import LiveState


class Bus:
    """Records what is published; ``down`` makes every publish fail."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []
        self.down = False

    def publish(self, key: str, body: bytes):
        if self.down:
            return fail(RuntimeError("not connected"))
        self.sent.append((key, decode(body)))
        return succeed(None)


def owner() -> tuple[ChangePublisher, LiveState, Bus, Clock]:
    clock, bus = Clock(), Bus()
    state = LiveState(clock)
    epochs = iter(f"e{n}" for n in range(1, 100))
    publisher = ChangePublisher("paris", state, bus.publish, clock, epochs=lambda: next(epochs))
    return publisher, state, bus, clock


def test_events_the_state_uses_are_numbered_within_an_epoch() -> None:
    """Started, the publisher tells its epoch, then each event the state reads goes out
    as the next change of that epoch, headers in order; other events do not."""
    publisher, state, bus, _clock = owner()
    publisher.event(recorded("03_bridge_call.txt")[0])
    assert bus.sent == []  # not holding the ipbx: nothing
    publisher.start()
    assert bus.sent == [("ipbx.paris.heartbeat", Heartbeat(ipbx="paris", epoch="e2", seq=0))]
    events = [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)][:6]
    for message in [*events, Message.of(Event="VarSet", Variable="x", Value="1")]:
        state.apply(message)
        publisher.event(message)
    changes = [m for key, m in bus.sent if key == "ipbx.paris.change"]
    assert [(c.epoch, c.seq) for c in changes] == [("e2", n) for n in range(1, 7)]
    assert [c.change["event"] for c in changes] == [[list(h) for h in m.headers] for m in events]


def test_resync_starts_a_new_epoch_and_heartbeats_repeat() -> None:
    """A rebuilt state is a new epoch told at once; heartbeats say where the owner is."""
    publisher, _state, bus, clock = owner()
    publisher.start()
    publisher.event(Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE"))
    clock.advance(2.0)
    publisher.resynced()
    beats = [m for key, m in bus.sent if key == "ipbx.paris.heartbeat"]
    assert [(b.epoch, b.seq) for b in beats] == [("e2", 0), ("e2", 1), ("e3", 0)]
    publisher.stop()
    clock.advance(10.0)
    assert len([k for k, _ in bus.sent if k.endswith("heartbeat")]) == 3


def test_a_snapshot_goes_to_the_node_that_asked_with_the_last_number() -> None:
    """The snapshot carries the state after the last change published, to node.NODE."""
    publisher, state, bus, _clock = owner()
    publisher.start()
    message = Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE")
    state.apply(message)
    publisher.event(message)
    publisher.snapshot_requested(SnapshotRequest(ipbx="paris", id="r1", reply_to="node-x"))
    key, snapshot = bus.sent[-1]
    assert key == "node.node-x" and isinstance(snapshot, Snapshot)
    assert (snapshot.id, snapshot.epoch, snapshot.seq) == ("r1", "e2", 1)
    assert snapshot.state["devices"] == {"PJSIP/a": "INUSE"}


def test_a_bus_that_refuses_is_only_logged() -> None:
    """Publishing never raises: the followers see the loss as a gap."""
    publisher, _state, bus, _clock = owner()
    bus.down = True
    publisher.start()
    publisher.event(Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE"))
    assert publisher.seq == 1 and bus.sent == []
