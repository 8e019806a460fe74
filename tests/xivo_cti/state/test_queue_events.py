"""Queue, queue member and waiting caller events applied to the live state."""

from twisted.internet.task import Clock

from tests.xivo_cti.state.events import RecordingState, event, recorded, snapshot
from xivo_cti.state._changes import QueueMemberRemoved, QueueUpdated

MEMBER = {
    "Queue": "support",
    "MemberName": "Carol",
    "Interface": "Local/4003@agents/n",
    "StateInterface": "Custom:carol",
    "Membership": "dynamic",
    "Penalty": "0",
    "CallsTaken": "2",
    "LastCall": "0",
    "LastPause": "0",
    "LoginTime": "1795764899",
    "InCall": "0",
    "Status": "1",
    "Paused": "0",
    "PausedReason": "",
    "Ringinuse": "1",
    "Wrapuptime": "0",
}
KEY = ("support", "Local/4003@agents/n")


def test_member_added_paused_removed():
    """QueueMemberAdded, QueueMemberPause and QueueMemberRemoved follow the member."""
    state = RecordingState()
    changes = state.told
    state.apply(event("QueueMemberAdded", MEMBER))
    member = state.queue_members[KEY]
    assert (member.name, member.calls_taken, member.paused, member.status) == ("Carol", 2, False, 1)
    assert "support" in state.queues
    state.apply(event("QueueMemberPause", {**MEMBER, "Paused": "1", "PausedReason": "lunch"}))
    assert state.queue_members[KEY].paused and state.queue_members[KEY].paused_reason == "lunch"
    state.apply(event("QueueMemberRemoved", MEMBER))
    assert KEY not in state.queue_members
    assert changes[-1] == QueueMemberRemoved(queue="support", interface="Local/4003@agents/n")


def test_queue_status_member_uses_name_and_location():
    """The QueueMember list event (Name/Location) is read like the live events."""
    state = RecordingState()
    fields = {k: v for k, v in MEMBER.items() if k not in ("MemberName", "Interface")}
    state.apply(event("QueueMember", fields, Name="Carol", Location="Local/4003@agents/n"))
    assert state.queue_members[KEY].name == "Carol"


def test_callers_join_and_leave_renumbered():
    """Callers wait in position order; when one leaves the others move up."""
    clock = Clock()
    clock.advance(50)
    state = RecordingState(clock)
    for n, uid in enumerate(("1.1", "1.2", "1.3"), 1):
        state.apply(
            event("QueueCallerJoin", snapshot(uid), Queue="q", Position=str(n), Count=str(n))
        )
    assert [c.uniqueid for c in state.queues["q"].callers] == ["1.1", "1.2", "1.3"]
    assert state.queues["q"].callers[0].joined == 50
    state.apply(event("QueueCallerLeave", snapshot("1.1"), Queue="q", Position="1", Count="2"))
    callers = state.queues["q"].callers
    assert [(c.uniqueid, c.position) for c in callers] == [("1.2", 1), ("1.3", 2)]


def test_abandon_counts_and_removes():
    """QueueCallerAbandon removes the caller and counts one abandon; Leave after is a no-op."""
    state = RecordingState()
    state.apply(event("QueueCallerJoin", snapshot("1.1"), Queue="q", Position="1"))
    state.apply(
        event(
            "QueueCallerAbandon",
            snapshot("1.1"),
            Queue="q",
            Position="1",
            OriginalPosition="1",
            HoldTime="3",
        )
    )
    state.told.clear()
    changes = state.told
    state.apply(event("QueueCallerLeave", snapshot("1.1"), Queue="q", Position="1"))
    assert state.queues["q"].callers == () and state.queues["q"].abandoned == 1
    assert changes == []


def test_queue_params_and_entry():
    """QueueParams sets the counters, QueueEntry a caller aged by Wait."""
    clock = Clock()
    clock.advance(100)
    state = RecordingState(clock)
    state.apply(
        event(
            "QueueParams",
            Queue="q",
            Max="5",
            Strategy="ringall",
            Calls="1",
            Holdtime="3",
            TalkTime="7",
            Completed="2",
            Abandoned="1",
            ServiceLevel="60",
            Weight="0",
        )
    )
    state.apply(
        event(
            "QueueEntry",
            Queue="q",
            Position="1",
            Channel="PJSIP/a-1",
            Uniqueid="1.1",
            CallerIDNum="1001",
            CallerIDName="A",
            Wait="30",
        )
    )
    queue = state.queues["q"]
    assert (queue.strategy, queue.max_callers, queue.completed, queue.talktime) == (
        "ringall",
        5,
        2,
        7,
    )
    assert queue.callers[0].joined == 70 and queue.callers[0].caller_id_num == "1001"


def test_recorded_queue_activity():
    """Replaying recorded queue traffic: Carol added, paused, removed; Dave waited then left."""
    state = RecordingState()
    paused_seen = waiting_seen = False
    for msg in recorded("05_queue.txt"):
        state.apply(msg)
        member = state.queue_members.get(KEY)
        paused_seen |= member is not None and member.paused
        queue = state.queues.get("support")
        waiting_seen |= queue is not None and any(c.caller_id_name == "Dave" for c in queue.callers)
    assert paused_seen and waiting_seen
    assert KEY not in state.queue_members
    assert state.queues["support"].callers == ()
    assert ("support", "Local/4001@agents/n") in state.queue_members


def test_queue_update_told():
    """A queue change is told as QueueUpdated with the new queue."""
    state = RecordingState()
    changes = state.told
    state.apply(event("QueueCallerJoin", snapshot("1.1"), Queue="q", Position="1"))
    assert isinstance(changes[-1], QueueUpdated) and changes[-1].queue is state.queues["q"]
