"""The per-ipbx sequence tracker against a model owner: whatever is lost, repeated,
reordered, answered late or taken over, the applied state is always one the owner had,
and it ends equal to the owner's once deliveries and answers resume."""

from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.bus import (
    ApplyChange,
    ApplySnapshot,
    Change,
    Heartbeat,
    RequestSnapshot,
    SequenceTracker,
    Snapshot,
)


class Owner:
    """The owning node: its state is the tuple of change numbers it has applied."""

    def __init__(self) -> None:
        self.epochs = 0
        self.takeover()
        self.state: tuple[int, ...] = ()
        self.history = {(self.epoch, 0): ()}
        self.sent: list[Change] = []

    def takeover(self) -> None:
        self.epochs += 1
        self.epoch, self.seq = f"e{self.epochs}", 0
        if hasattr(self, "history"):
            self.history[(self.epoch, 0)] = self.state

    def emit(self) -> None:
        self.seq += 1
        number = len(self.state) + 1
        self.state += (number,)
        self.history[(self.epoch, self.seq)] = self.state
        self.sent.append(Change(ipbx="a", epoch=self.epoch, seq=self.seq, change={"n": number}))

    def heartbeat(self) -> Heartbeat:
        return Heartbeat(ipbx="a", epoch=self.epoch, seq=self.seq)

    def answer(self, request_id: str) -> Snapshot:
        state = {"numbers": list(self.state)}
        return Snapshot(ipbx="a", id=request_id, epoch=self.epoch, seq=self.seq, state=state)


class Node:
    """The consuming node: applies what the tracker says."""

    def __init__(self) -> None:
        self.tracker = SequenceTracker("a", "node-b", max_buffered=5)
        self.state: tuple[int, ...] = ()
        self.requests: list[str] = []
        self.run(self.tracker.resync())

    def run(self, actions) -> None:
        for action in actions:
            if isinstance(action, ApplySnapshot):
                self.state = tuple(action.snapshot.state["numbers"])
            elif isinstance(action, ApplyChange):
                self.state += (action.change.change["n"],)
            else:
                assert isinstance(action, RequestSnapshot)
                assert action.request.reply_to == "node-b"
                self.requests.append(action.request.id)


steps = st.lists(
    st.tuples(
        st.sampled_from(
            ["emit", "deliver", "answer", "stale", "timeout", "takeover", "resync", "beat"]
        ),
        st.integers(min_value=0, max_value=1000),
    ),
    max_size=80,
)


@settings(max_examples=400, deadline=None)
@given(steps)
def test_state_is_always_the_owners(steps):
    """Invariant: when synchronised, the node holds the owner's state at (epoch, seq)."""
    owner, node = Owner(), Node()
    for step, n in steps:
        if step == "emit":
            owner.emit()
        elif step == "deliver" and owner.sent:
            node.run(node.tracker.change_received(owner.sent[n % len(owner.sent)]))
        elif step == "answer" and node.requests:
            node.run(node.tracker.snapshot_received(owner.answer(node.requests[-1])))
        elif step == "stale" and node.requests:
            node.run(
                node.tracker.snapshot_received(owner.answer(node.requests[n % len(node.requests)]))
            )
        elif step == "timeout" and node.requests:
            node.run(node.tracker.snapshot_timed_out(node.requests[n % len(node.requests)]))
        elif step == "takeover":
            owner.takeover()
        elif step == "beat":
            node.run(node.tracker.heartbeat_received(owner.heartbeat()))
        elif step == "resync":
            node.run(node.tracker.resync())
        if node.tracker.synced:
            assert node.state == owner.history[(node.tracker.epoch, node.tracker.seq)]
    # Deliveries resume: the rest of the current epoch in order, a heartbeat, and every
    # request answered.
    for change in [c for c in owner.sent if c.epoch == owner.epoch]:
        node.run(node.tracker.change_received(change))
    node.run(node.tracker.heartbeat_received(owner.heartbeat()))
    for _ in range(3):
        if not node.tracker.synced:
            node.run(node.tracker.snapshot_received(owner.answer(node.requests[-1])))
    assert node.tracker.synced
    assert node.state == owner.state


def _changes(*seqs: int, epoch: str = "e1") -> list[Change]:
    return [Change(ipbx="a", epoch=epoch, seq=s, change={"n": s}) for s in seqs]


def test_in_order_duplicates_and_gap():
    """Next one applied, a duplicate dropped and counted, a gap asks for a snapshot."""
    tracker = SequenceTracker("a", "me")
    (request,) = tracker.resync()
    snapshot = Snapshot(ipbx="a", id=request.request.id, epoch="e1", seq=3, state={})
    assert tracker.snapshot_received(snapshot) == [ApplySnapshot(snapshot)]
    one, dup, gap = _changes(4, 4, 6)
    assert tracker.change_received(one) == [ApplyChange(one)]
    assert tracker.change_received(dup) == [] and tracker.dropped == 1
    (again,) = tracker.change_received(gap)
    assert isinstance(again, RequestSnapshot) and again.request.id != request.request.id
    assert not tracker.synced


def test_changes_kept_while_waiting_are_replayed_after_the_snapshot():
    """Changes arriving before the snapshot: those after its seq are applied, in order."""
    tracker = SequenceTracker("a", "me")
    (request,) = tracker.resync()
    early = _changes(1, 2, 3)
    for change in early:
        assert tracker.change_received(change) == []
    snapshot = Snapshot(ipbx="a", id=request.request.id, epoch="e1", seq=1, state={})
    actions = tracker.snapshot_received(snapshot)
    assert actions == [ApplySnapshot(snapshot), ApplyChange(early[1]), ApplyChange(early[2])]
    assert tracker.seq == 3


def test_heartbeat_reveals_lost_changes():
    """A heartbeat at or below the applied seq is quiet; past it, or of another epoch, a
    snapshot is asked for; while waiting, those of the epoch asked under are ignored."""
    tracker = SequenceTracker("a", "me")
    (request,) = tracker.resync()
    assert tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=9)) == []
    tracker.snapshot_received(
        Snapshot(ipbx="a", id=request.request.id, epoch="e1", seq=2, state={})
    )
    assert tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=2)) == []
    (again,) = tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=3))
    assert isinstance(again, RequestSnapshot)
    tracker.snapshot_received(Snapshot(ipbx="a", id=again.request.id, epoch="e1", seq=3, state={}))
    (other,) = tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e2", seq=0))
    assert isinstance(other, RequestSnapshot)


def test_stale_snapshot_and_timeout():
    """An answer to an older request is ignored; a timeout of the pending one asks again."""
    tracker = SequenceTracker("a", "me")
    (first,) = tracker.resync()
    (second,) = tracker.snapshot_timed_out(first.request.id)
    stale = Snapshot(ipbx="a", id=first.request.id, epoch="e1", seq=0, state={})
    assert tracker.snapshot_received(stale) == []
    assert tracker.snapshot_timed_out(first.request.id) == []
    fresh = Snapshot(ipbx="a", id=second.request.id, epoch="e1", seq=0, state={})
    assert tracker.snapshot_received(fresh) == [ApplySnapshot(fresh)]


def test_a_holding_begun_while_waiting_is_asked_again_at_once():
    """The request may have reached no holder (or one that could not answer): the first
    message of an epoch newer than those heard when it was sent asks again, once; the
    epoch it was sent under, and the first heard after a request sent before any, do not."""
    tracker = SequenceTracker("a", "me")
    (first,) = tracker.resync()
    assert tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=0)) == []
    snapshot = Snapshot(ipbx="a", id=first.request.id, epoch="e1", seq=2, state={})
    assert tracker.snapshot_received(snapshot) == [ApplySnapshot(snapshot)]
    (resync,) = tracker.resync()  # the bus connection came back
    assert tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=2)) == []
    (again,) = tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e2", seq=0))
    assert isinstance(again, RequestSnapshot) and again.request.id != resync.request.id
    (change,) = _changes(1, epoch="e2")
    assert tracker.change_received(change) == []
    assert tracker.heartbeat_received(Heartbeat(ipbx="a", epoch="e1", seq=2)) == []
    stale = Snapshot(ipbx="a", id=resync.request.id, epoch="e1", seq=2, state={})
    assert tracker.snapshot_received(stale) == []
    fresh = Snapshot(ipbx="a", id=again.request.id, epoch="e2", seq=0, state={})
    assert tracker.snapshot_received(fresh) == [ApplySnapshot(fresh), ApplyChange(change)]
    assert tracker.synced and (tracker.epoch, tracker.seq) == ("e2", 1)
