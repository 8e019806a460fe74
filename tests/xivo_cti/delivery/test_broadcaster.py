"""Tests of the fan-out: encode once, one write per client per pass, topics respected."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from xivo_cti.cti._codec import encode
from xivo_cti.delivery import Broadcaster


class Sink:
    """A receiver recording each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.chunked: list[list[bytes]] = []

    def write_encoded(self, data: bytes) -> None:
        self.writes.append(data)

    def write_chunks(self, chunks: list[bytes]) -> None:
        self.writes.append(b"".join(chunks))
        self.chunked.append(chunks)

    def messages(self) -> list[dict]:
        return [json.loads(line) for w in self.writes for line in w.splitlines()]


def test_publish_is_flushed_once_per_pass() -> None:
    """Messages published in one pass are written at the end of it, one write per client."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    a, b = Sink(), Sink()
    fanout.join(a, ["phones"])
    fanout.join(b, ["phones", "users"])
    assert fanout.publish("phones", {"n": 1}) == 2
    assert fanout.publish("users", {"n": 2}) == 1
    assert a.writes == [] and b.writes == []
    clock.advance(0)
    assert [m["n"] for m in a.messages()] == [1]
    assert [m["n"] for m in b.messages()] == [1, 2]
    assert len(b.writes) == 1


def test_one_encoding_shared_by_a_group() -> None:
    """Clients following the same topics get the very same bytes object."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    a, b = Sink(), Sink()
    fanout.join(a, ["phones"])
    fanout.join(b, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.publish("phones", {"n": 2})
    fanout.flush()
    assert a.writes[0] is b.writes[0]


def test_nobody_listening_schedules_nothing() -> None:
    """A topic with no client is not encoded nor scheduled."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    assert fanout.publish("queues", {"n": 1}) == 0
    assert clock.getDelayedCalls() == []


def test_catch_up_sends_earlier_pushes_once() -> None:
    """catch_up writes what was published so far; the flush then sends only the rest."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    a, b = Sink(), Sink()
    fanout.join(a, ["phones"])
    fanout.join(b, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.catch_up(a)
    fanout.publish("phones", {"n": 2})
    clock.advance(0)
    assert [m["n"] for m in a.messages()] == [1, 2]
    assert [m["n"] for m in b.messages()] == [1, 2]
    assert len(a.writes) == 2 and len(b.writes) == 1


def test_joining_mid_pass_gets_only_later_pushes() -> None:
    """A client joining during a pass does not get the pushes published before it joined."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    a, late = Sink(), Sink()
    fanout.join(a, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.join(late, ["phones"])
    fanout.publish("phones", {"n": 2})
    clock.advance(0)
    assert [m["n"] for m in late.messages()] == [2]


def test_joining_more_topics_mid_pass_keeps_the_earlier_pushes() -> None:
    """A client adding a topic during a pass (a ``subscribe``) gets the pushes of its
    earlier topics published before, first and once; of the new one only later pushes."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, interval=0.1)
    a = Sink()
    fanout.join(a, ["phones"])
    fanout.publish("queueentries", {"n": 0})  # nobody follows it yet: not kept
    fanout.publish("phones", {"n": 1})
    fanout.join(a, ["queueentries"])
    assert [m["n"] for m in a.messages()] == [1]
    fanout.publish("queueentries", {"n": 2})
    fanout.publish("phones", {"n": 3})
    clock.advance(1)
    assert [m["n"] for m in a.messages()] == [1, 2, 3]


def test_leave_drops_the_client_and_its_pending_pushes() -> None:
    """A client that left gets nothing more and is no longer counted."""
    clock = Clock()
    fanout = Broadcaster(clock, encode)
    a = Sink()
    fanout.join(a, ["phones", "users"])
    fanout.publish("phones", {"n": 1})
    fanout.leave(a)
    clock.advance(0)
    assert a.writes == []
    assert fanout.count("phones") == 0 and fanout.count("users") == 0


def test_timenow_added_once() -> None:
    """Every client sees the same timenow, the clock's time at publish."""
    clock = Clock()
    clock.advance(42.5)
    fanout = Broadcaster(clock, encode)
    a = Sink()
    fanout.join(a, ["users"])
    fanout.publish("users", {"n": 1})
    clock.advance(0)
    assert a.messages()[0]["timenow"] == 42.5


def test_interval_bounds_the_flushes() -> None:
    """After a flush, the next one waits until interval has passed, still in one write."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, 0.005)
    a = Sink()
    fanout.join(a, ["phones"])
    fanout.publish("phones", {"n": 1})
    clock.advance(0)
    assert len(a.writes) == 1
    fanout.publish("phones", {"n": 2})
    clock.advance(0.004)
    fanout.publish("phones", {"n": 3})
    assert len(a.writes) == 1
    clock.advance(0.001)
    assert len(a.writes) == 2 and [m["n"] for m in a.messages()] == [1, 2, 3]


def test_idle_server_pushes_at_once() -> None:
    """A push after a quiet period is flushed at the end of the pass, not after interval."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, 0.02)
    a = Sink()
    fanout.join(a, ["phones"])
    clock.advance(1)
    fanout.publish("phones", {"n": 1})
    clock.advance(0)
    assert [m["n"] for m in a.messages()] == [1]


def sinks(fanout: Broadcaster, count: int, topics: list[str]) -> list[Sink]:
    """``count`` receivers joined to ``topics``."""
    result = [Sink() for _ in range(count)]
    for sink in result:
        fanout.join(sink, topics)
    return result


def test_flush_writes_at_most_writes_per_pass_clients() -> None:
    """A flush to 5 clients with a budget of 2 writes to 2 at once, the rest on later passes."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, writes_per_pass=2)
    clients = sinks(fanout, 5, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.flush()
    assert [len(c.writes) for c in clients] == [1, 1, 0, 0, 0]
    clock.advance(0)
    assert [len(c.writes) for c in clients] == [1, 1, 1, 1, 1]
    assert not clock.getDelayedCalls()


def test_next_flush_merges_into_a_waiting_client() -> None:
    """A client not yet written when the next flush comes gets both in the same turn, in
    one write of the two chunks (the same bytes objects as the other clients')."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, writes_per_pass=1)
    a, b = sinks(fanout, 2, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.flush()
    fanout.publish("phones", {"n": 2})
    fanout.flush()
    assert [m["n"] for m in a.messages()] == [1]
    assert b.writes == []
    clock.advance(0)
    assert [m["n"] for m in b.messages()] == [1, 2]
    assert len(b.writes) == 1 and b.chunked[0][0] is a.writes[0]
    clock.advance(0)
    assert [m["n"] for m in a.messages()] == [1, 2]
    assert b.chunked[0][1] is a.writes[1] and a.chunked == []


def test_catch_up_takes_queued_bytes_first() -> None:
    """A reply's catch_up writes the client's queued pushes, then the newer ones, once."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, writes_per_pass=1)
    a, b = sinks(fanout, 2, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.flush()
    fanout.publish("phones", {"n": 2})
    fanout.catch_up(b)
    assert [m["n"] for m in b.messages()] == [1, 2]
    clock.advance(0)
    clock.advance(0)
    assert [m["n"] for m in b.messages()] == [1, 2]
    assert [m["n"] for m in a.messages()] == [1, 2]


def test_leaving_client_gets_nothing_queued() -> None:
    """A client leaving while queued is skipped, and does not use up the budget."""
    clock = Clock()
    fanout = Broadcaster(clock, encode, writes_per_pass=1)
    a, b, c = sinks(fanout, 3, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.flush()
    fanout.leave(b)
    clock.advance(0)
    assert b.writes == [] and len(c.writes) == 1


def test_flush_stops_writing_once_the_time_budget_is_spent() -> None:
    """With 1 ms read per client and a 2 ms budget, each pass writes to 2 of 5 clients."""
    clock = Clock()
    ticks = iter(i * 0.001 for i in range(1000))
    fanout = Broadcaster(
        clock, encode, writes_per_pass=100, write_time_per_pass=0.002, now=ticks.__next__
    )
    sinks = [Sink() for _ in range(5)]
    for sink in sinks:
        fanout.join(sink, ["phones"])
    fanout.publish("phones", {"n": 1})
    fanout.flush()
    assert [len(s.writes) for s in sinks] == [1, 1, 0, 0, 0]
    (call,) = clock.getDelayedCalls()
    clock.calls.remove(call)
    call.func()  # the next pass only
    assert [len(s.writes) for s in sinks] == [1, 1, 1, 1, 0]
    clock.advance(0)
    assert all(s.messages()[0]["n"] == 1 for s in sinks)
    assert not clock.getDelayedCalls()
