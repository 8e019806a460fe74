"""Tests of the queue, queue member and waiting callers bodies (views._queues)."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig
from xivo_cti.ami import Message
from xivo_cti.state import Queue, QueueCaller
from xivo_cti.users import UserStatusBook
from xivo_cti.views import ListView
from xivo_cti.views._queues import queue_entries


def test_queue_member_status_has_what_the_agent_panels_read() -> None:
    """A member's membership (the agent panels show an empty one as "not in queue"),
    status, pause, penalty and calls, as text."""
    rig = Rig()
    rig.state.apply(
        Message.of(Event="QueueMember", Queue="support", Location="Local/4001@agents/n",
                   Name="Alice", StateInterface="Custom:alice", Membership="static",
                   Penalty="2", CallsTaken="4", LastCall="1700000000", InCall="0", Status="1",
                   Paused="1", PausedReason="lunch")
    )  # fmt: skip
    lists = ListView({"xivo": rig.state}, rig.users, UserStatusBook(), "xivo")
    (tid,) = lists.ids("queuemembers")
    assert lists.status("queuemembers", tid) == {
        "paused": "1", "paused_reason": "lunch", "membership": "static",
        "lastcall": "1700000000", "status": "1", "penalty": "2", "callstaken": "4",
        "incall": False,
    }  # fmt: skip


def test_waiting_callers_as_the_client_reads_them() -> None:
    """Position, caller name and number, join time (epoch) and uniqueid, by position, and
    the queue's ipbx; a queue that is gone has none."""
    first = QueueCaller("1.1", "c1", 1, "555", "Ann", 7.0)
    second = QueueCaller("1.2", "c2", 2, "", "", 9.5)
    message = queue_entries("q", Queue("q", callers=(first, second)), "b")
    state = message["state"]
    assert message["tipbxid"] == "b" and state["queue_id"] == "q"
    assert state["entries"] == [
        {"position": 1, "name": "Ann", "number": "555", "join_time": 7.0, "uniqueid": "1.1"},
        {"position": 2, "name": "", "number": "", "join_time": 9.5, "uniqueid": "1.2"},
    ]
    assert queue_entries("q", None, "b")["state"]["entries"] == []
