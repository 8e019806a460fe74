"""A node following another node's ipbx: snapshot first, then the changes after it, a new
snapshot after a gap; its state ends equal to the owner's."""

from __future__ import annotations

from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from tests.xivo_cti.state.events import recorded
from xivo_cti.ami import Message
from xivo_cti.bus import Changes, Heartbeat, SnapshotRequest, decode
from xivo_cti.bus._follower import Followers
from xivo_cti.bus._publisher import ChangePublisher
from xivo_cti.state import LiveState

VIEWS = ("channels", "calls", "bridges", "devices", "hints", "queues", "queue_members", "agents")


class Wire:
    """The bus between one owner and one follower: what each publishes, kept in order until
    delivered (``drop`` loses the next change)."""

    def __init__(self) -> None:
        self.to_owner: list[bytes] = []
        self.to_follower: list[tuple[str, bytes]] = []
        self.drop = 0
        self.requests = 0

    def owner_publish(self, key: str, body: bytes):
        if key.endswith(".change") and self.drop:
            self.drop -= 1
        else:
            self.to_follower.append((key, body))
        return succeed(None)

    def follower_publish(self, key: str, body: bytes):
        assert key == "ipbx.paris.snapshot"
        self.to_owner.append(body)
        self.requests += 1
        return succeed(None)


class Pair:
    def __init__(self) -> None:
        self.clock, self.wire = Clock(), Wire()
        self.owner = LiveState(self.clock)
        self.publisher = ChangePublisher("paris", self.owner, self.wire.owner_publish, self.clock)
        self.states: dict[str, LiveState] = {}
        self.told: list[tuple[str, object]] = []
        self.followers = Followers(
            "node-f", self.states, set(),
            event=lambda m, ipbx: self.told.append((ipbx, self.states[ipbx].apply(m))),
            changed=lambda changes, ipbx: self.told.append((ipbx, changes)),
            publish=self.wire.follower_publish, clock=self.clock,
        )  # fmt: skip

    def owner_event(self, message: Message) -> None:
        self.owner.apply(message)
        self.publisher.event(message)

    def deliver(self) -> None:
        """Until nothing is in flight: the follower's requests answered, the owner's
        messages received (the owner's reactor passes ended)."""
        self.clock.advance(0)
        while self.wire.to_owner or self.wire.to_follower:
            for body in self.wire.to_owner:
                request = decode(body)
                assert isinstance(request, SnapshotRequest)
                self.publisher.snapshot_requested(request)
            self.wire.to_owner.clear()
            pending, self.wire.to_follower[:] = list(self.wire.to_follower), []
            for _key, body in pending:
                self.followers.received(decode(body))  # type: ignore[arg-type]
            self.clock.advance(0)

    def same(self) -> bool:
        follower = self.states["paris"]
        return all(dict(getattr(follower, v)) == dict(getattr(self.owner, v)) for v in VIEWS)


def test_a_follower_ends_with_the_owners_state_through_a_gap() -> None:
    """The first heartbeat makes the follower ask for a snapshot; the changes after it
    apply in order; a lost change is noticed at the next one and healed by a snapshot."""
    pair = Pair()
    pair.publisher.start()
    events = [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)]
    for message in events[:10]:
        pair.owner_event(message)
    pair.deliver()
    assert pair.same() and pair.owner.channels and pair.wire.requests == 1
    pair.wire.drop = 1
    for message in events[10:]:
        pair.owner_event(message)
        pair.clock.advance(0)  # one pass each: the first lost, the next one a gap
    pair.deliver()
    assert pair.same() and pair.wire.requests == 2
    assert {ipbx for ipbx, _ in pair.told} == {"paris"}


def test_own_ipbx_changes_are_dropped() -> None:
    """Messages of an ipbx the node holds change nothing."""
    pair = Pair()
    pair.followers = Followers(
        "node-f", pair.states, {"paris"}, event=None, changed=None, publish=None, clock=pair.clock
    )  # type: ignore[arg-type]
    pair.publisher.start()
    pair.deliver()
    assert pair.states == {}


def test_a_batch_applies_only_after_the_snapshot_and_up_to_a_gap() -> None:
    """A batch straddling the snapshot's number applies only its changes after it, in
    order; a batch that starts past the next number is a gap: nothing of it applies and a
    new snapshot is asked for."""
    pair = Pair()
    pair.publisher.start()
    _key, beat = pair.wire.to_follower.pop()
    pair.followers.received(decode(beat))  # type: ignore[arg-type]
    events = [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)][:8]
    for message in events[:3]:
        pair.owner_event(message)
    pair.clock.advance(0)
    pair.wire.to_follower.clear()  # changes 1-3 lost: the snapshot at 3 covers them
    pair.deliver()
    assert pair.publisher.seq == 3 and pair.same() and pair.wire.requests == 1
    for message in events[3:6]:
        pair.owner_event(message)
    pair.clock.advance(0)
    pair.wire.to_follower.clear()
    told = len(pair.told)
    headers = [[list(h) for h in m.headers] for m in events]
    straddling = Changes(ipbx="paris", epoch=pair.publisher.epoch, first_seq=2,
                         events=headers[1:6])  # fmt: skip
    pair.followers.received(straddling)
    assert len(pair.told) - told == 3 and pair.same()  # changes 4-6 only
    assert pair.wire.requests == 1
    late = Changes(ipbx="paris", epoch=pair.publisher.epoch, first_seq=8, events=headers[7:8])
    pair.followers.received(late)
    assert len(pair.told) - told == 3 and pair.wire.requests == 2


def test_an_unanswered_request_is_sent_again() -> None:
    """No snapshot within the timeout: the follower asks again."""
    pair = Pair()
    pair.publisher.start()
    _key, body = pair.wire.to_follower.pop()
    pair.followers.received(decode(body))  # type: ignore[arg-type]
    assert len(pair.wire.to_owner) == 1
    pair.clock.advance(5.0)
    assert len(pair.wire.to_owner) == 2
    first, second = (decode(b) for b in pair.wire.to_owner)
    assert first.id != second.id  # type: ignore[union-attr]


def test_new_ipbx_past_the_limit_are_not_followed() -> None:
    """A bus naming ever more ipbx cannot make the node keep ever more states."""
    pair = Pair()
    pair.followers = Followers("node-f", pair.states, set(), event=lambda m, i: None,
                               changed=lambda c, i: None, publish=pair.wire.follower_publish,
                               clock=pair.clock, max_ipbx=1)  # fmt: skip
    pair.publisher.start()
    pair.deliver()
    other = Heartbeat(ipbx="lyon", epoch="e", seq=0)
    pair.followers.received(other)
    assert list(pair.states) == ["paris"]


def test_an_ipbx_whose_holder_went_silent_is_not_answering() -> None:
    """Heard of within three heartbeats: answering; silent longer (no holder left), or
    never heard of: not; heard again (a new holder): answering again."""
    pair = Pair()
    assert not pair.followers.answering("paris")
    pair.publisher.start()
    pair.deliver()
    assert pair.followers.answering("paris")
    pair.clock.advance(6.0)
    assert pair.followers.answering("paris")
    pair.publisher.stop()
    pair.clock.advance(6.1)
    assert not pair.followers.answering("paris")
    pair.publisher.start()
    pair.deliver()
    assert pair.followers.answering("paris") and not pair.followers.answering("lyon")
