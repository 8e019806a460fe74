"""Tests of the history recording: the state's changes -> recorder -> writer."""

from __future__ import annotations

from twisted.internet.task import Clock

from tests.xivo_cti.conftest import bcrypt_hash
from tests.xivo_cti.history.test_recorder import answered_call
from tests.xivo_cti.userdata.memory import memory_store
from tests.xivo_cti.userdata.test_store import result
from xivo_cti.history import HistoryRecording
from xivo_cti.state import ChannelRemoved, ChannelUpdated, QueueCallLeft
from xivo_cti.userdata import RECEIVED, SENT, HistoryWriter, QueueOutcome
from xivo_cti.users import users_from_records

HASH = bcrypt_hash("pw")


def users(*names: str):
    return users_from_records(
        [{"login": n, "password_hash": HASH, "line": f"PJSIP/{n}", "id": str(i + 1),
          "extension": f"200{i + 1}", "fullname": n.title(), "profile": "user"}
         for i, n in enumerate(names)], "test",
    )  # fmt: skip


def run(recording: HistoryRecording, clock: Clock, steps) -> None:
    for now, channel, *gone in steps:
        clock.advance(now - clock.seconds())
        change = (ChannelRemoved(uniqueid=channel.uniqueid, channel=channel) if gone
                  else ChannelUpdated(channel=channel))  # fmt: skip
        recording.changed([change], "xivo")


def test_calls_of_the_users_lines_are_written_at_the_clocks_time() -> None:
    """Both sides of an answered call are written, timed by the clock; only the lines of
    the last users given are followed."""
    clock, (store, _) = Clock(), memory_store()
    writer = HistoryWriter(store, clock, keep=50, interval=1.0)
    recording = HistoryRecording(writer, clock, "xivo")
    recording.users_changed(users("alice"))
    run(recording, clock, answered_call(101.0, 104.0, 134.5))
    recording.users_changed(users("alice", "bob"))
    run(recording, clock, answered_call(201.0, 204.0, 234.5))
    clock.advance(1.0)
    alice = result(store.history("alice", 10))
    assert [(r.mode, r.extension, r.duration) for r in alice] == [(SENT, "2002", 30)] * 2
    bob = result(store.history("bob", 10))
    assert [(r.mode, r.calldate) for r in bob] == [(RECEIVED, 201.0)]


def test_a_caller_leaving_a_queue_is_written_with_its_ipbx() -> None:
    """The queue statistics' outcomes go to the store with the ipbx they came from, and
    are read back (the window after a restart)."""
    clock, (store, _) = Clock(), memory_store()
    recording = HistoryRecording(HistoryWriter(store, clock, keep=50, interval=1.0), clock, "xivo")
    left = QueueCallLeft(queue="q", uniqueid="1.7", ended=50.0, holdtime=9, answered=True)
    recording.changed([left], "paris")
    clock.advance(1.0)
    assert result(store.queue_outcomes(0.0)) == [QueueOutcome(ipbx="paris", left=left)]


def test_a_shared_store_records_only_what_this_node_holds() -> None:
    """With a store other nodes write too, the calls of an ipbx another node holds are
    left to it; with this node's own store, they are recorded too."""
    for shared, expected in ((True, 0), (False, 1)):
        clock, (store, _) = Clock(), memory_store()
        writer = HistoryWriter(store, clock, keep=50, interval=1.0)
        recording = HistoryRecording(writer, clock, "xivo", shared=shared)
        recording.users_changed(users("alice"))
        for now, channel, *gone in answered_call(101.0, 104.0, 134.5):
            clock.advance(now - clock.seconds())
            change = (ChannelRemoved(uniqueid=channel.uniqueid, channel=channel) if gone
                      else ChannelUpdated(channel=channel))  # fmt: skip
            recording.changed([change], "xivo", held=False)
        left = QueueCallLeft(queue="q", uniqueid="1.7", ended=50.0, holdtime=9, answered=True)
        recording.changed([left], "xivo", held=False)
        clock.advance(1.0)
        assert len(result(store.history("alice", 10))) == expected
        assert len(result(store.queue_outcomes(0.0))) == expected
