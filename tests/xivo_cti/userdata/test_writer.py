"""Tests of the history writer: batches on a timer, kept on failure, bounded."""

from __future__ import annotations

from twisted.internet.task import Clock

from tests.xivo_cti.userdata.memory import memory_store
from tests.xivo_cti.userdata.test_store import result, row
from xivo_cti.userdata import HistoryWriter


def writer(**kwargs) -> tuple[HistoryWriter, Clock, object]:
    clock = Clock()
    store, runner = memory_store()
    return HistoryWriter(store, clock, keep=50, interval=1.0, **kwargs), clock, runner


def test_rows_are_written_in_one_batch_after_the_interval():
    """Adding writes nothing; one plan after ``interval`` holds every row gathered."""
    w, clock, runner = writer()
    for n in range(5):
        w.add(row("alice", n))
    assert runner.plans == []
    clock.advance(1.0)
    clock.advance(5.0)
    assert len(runner.plans) == 1  # nothing more to write: no empty batch
    assert len(result(w._store.history("alice", 50))) == 5


def test_failed_batch_is_kept_and_written_later():
    """A batch the store refused is tried again at the next interval, in order."""
    w, clock, runner = writer()
    runner.broken = True
    w.add(row("alice", 1))
    clock.advance(1.0)
    w.add(row("alice", 2))
    runner.broken = False
    clock.advance(1.0)
    stored = result(w._store.history("alice", 50))
    assert [r.calldate for r in stored] == [2.0, 1.0]


def test_pending_rows_are_bounded_while_the_store_is_down():
    """Past ``max_pending`` the oldest are dropped and counted."""
    w, clock, runner = writer(max_pending=3)
    runner.broken = True
    for n in range(5):
        w.add(row("alice", n))
    clock.advance(1.0)
    assert w.dropped == 2
    runner.broken = False
    clock.advance(1.0)
    assert [r.calldate for r in result(w._store.history("alice", 50))] == [4.0, 3.0, 2.0]


def test_stop_writes_what_is_left_at_once():
    """At shutdown the rows gathered are written without waiting; no timer is left."""
    w, clock, runner = writer()
    w.add(row("bob", 1))
    result(w.stop())
    assert len(result(w._store.history("bob", 5))) == 1
    assert clock.getDelayedCalls() == []
