"""The owner's side of an ipbx: numbered changes, heartbeats, epochs, snapshots."""

from __future__ import annotations

from twisted.internet.defer import fail, succeed
from twisted.internet.task import Clock

from tests.xivo_cti.state.events import recorded
from xivo_cti.ami import Message
from xivo_cti.bus import (
    MAX_MESSAGE_BYTES,
    Changes,
    Heartbeat,
    Snapshot,
    SnapshotRequest,
    decode,
)
from xivo_cti.bus._fields import MAX_EVENTS
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
        assert len(body) <= MAX_MESSAGE_BYTES
        self.sent.append((key, decode(body)))
        return succeed(None)


def owner() -> tuple[ChangePublisher, LiveState, Bus, Clock]:
    clock, bus = Clock(), Bus()
    state = LiveState(clock)
    epochs = iter(f"e{n}" for n in range(1, 100))
    publisher = ChangePublisher("paris", state, bus.publish, clock, epochs=lambda: next(epochs))
    return publisher, state, bus, clock


def changes(bus: Bus) -> list[Changes]:
    return [m for key, m in bus.sent if key == "ipbx.paris.change"]  # type: ignore[misc]


def state_event(n: int, size: int = 1) -> Message:
    return Message.of(Event="DeviceStateChange", Device=f"PJSIP/{n}", State="x" * size)


def test_events_the_state_uses_are_numbered_within_an_epoch() -> None:
    """Started, the publisher tells its epoch, then the events the state reads in one
    reactor pass go out at its end as one message, the next changes of that epoch,
    headers in order; other events do not."""
    publisher, state, bus, clock = owner()
    publisher.event(recorded("03_bridge_call.txt")[0])
    assert bus.sent == []  # not holding the ipbx: nothing
    publisher.start()
    assert bus.sent == [("ipbx.paris.heartbeat", Heartbeat(ipbx="paris", epoch="e2", seq=0))]
    events = [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)][:6]
    for message in [*events[:4], Message.of(Event="VarSet", Variable="x", Value="1")]:
        state.apply(message)
        publisher.event(message)
    assert changes(bus) == []  # until the end of the pass
    clock.advance(0)
    for message in events[4:]:
        state.apply(message)
        publisher.event(message)
    clock.advance(0)
    assert [(c.epoch, c.first_seq, len(c.events)) for c in changes(bus)] == [
        ("e2", 1, 4), ("e2", 5, 2)
    ]  # fmt: skip
    sent = [c for batch in changes(bus) for c in batch.each()]
    assert [c.seq for c in sent] == list(range(1, 7)) and publisher.seq == 6
    assert publisher.messages == 2
    assert [c.change["event"] for c in sent] == [[list(h) for h in m.headers] for m in events]


def test_a_big_pass_is_split_into_bounded_messages() -> None:
    """MAX_EVENTS changes go out at once; a batch over MAX_MESSAGE_BYTES is split, every
    message in bounds and the numbers consecutive."""
    publisher, _state, bus, clock = owner()
    publisher.start()
    for n in range(MAX_EVENTS + 3):
        publisher.event(state_event(n))
    assert [(c.first_seq, len(c.events)) for c in changes(bus)] == [(1, MAX_EVENTS)]
    clock.advance(0)
    assert [(c.first_seq, len(c.events)) for c in changes(bus)][1:] == [(MAX_EVENTS + 1, 3)]
    bus.sent.clear()
    size = MAX_MESSAGE_BYTES // 3
    for n in range(7):
        publisher.event(state_event(n, size))
    clock.advance(0)
    batches = changes(bus)
    assert len(batches) > 2  # the bus asserts each is at most MAX_MESSAGE_BYTES
    assert publisher.messages == 2 + len(batches)
    seqs = [c.seq for batch in batches for c in batch.each()]
    assert seqs == list(range(MAX_EVENTS + 4, MAX_EVENTS + 11))
    assert [c.change["event"][2][1] for b in batches for c in b.each()] == ["x" * size] * 7


def test_pending_changes_go_out_before_a_beat_a_snapshot_or_a_new_epoch() -> None:
    """A heartbeat, snapshot or new epoch never runs ahead of the changes before it."""
    publisher, _state, bus, clock = owner()
    publisher.start()
    publisher.event(state_event(1))
    publisher.heartbeat()
    publisher.event(state_event(2))
    publisher.snapshot_requested(SnapshotRequest(ipbx="paris", id="r1", reply_to="node-x"))
    publisher.event(state_event(3))
    publisher.resynced()
    publisher.event(state_event(4))
    publisher.stop()
    clock.advance(0)
    kinds = [(type(m).__name__, m.epoch, m.first_seq if isinstance(m, Changes) else m.seq)
             for _key, m in bus.sent[1:]]  # type: ignore[union-attr]  # fmt: skip
    assert kinds == [
        ("Changes", "e2", 1), ("Heartbeat", "e2", 1), ("Changes", "e2", 2),
        ("Snapshot", "e2", 2), ("Changes", "e2", 3), ("Heartbeat", "e3", 0), ("Changes", "e3", 1),
    ]  # fmt: skip


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
    publisher, _state, bus, clock = owner()
    bus.down = True
    publisher.start()
    publisher.event(Message.of(Event="DeviceStateChange", Device="PJSIP/a", State="INUSE"))
    clock.advance(0)
    assert publisher.seq == 1 and bus.sent == []
