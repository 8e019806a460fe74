"""The bodies of a queue's and a queue member's status and of a queue's waiting callers."""

from __future__ import annotations

from typing import Any

from xivo_cti.state import Queue, QueueMember

__all__ = ["member_status", "queue_entries", "queue_status"]


def queue_status(queue: Queue) -> dict[str, Any]:
    """The ``updatestatus`` body of a queue."""
    return {
        "waiting": len(queue.callers),
        "callers": [c.uniqueid for c in queue.callers],
        "completed": queue.completed,
        "abandoned": queue.abandoned,
        "holdtime": queue.holdtime,
        "talktime": queue.talktime,
    }


def queue_entries(name: str, queue: Queue | None, ipbx: str) -> dict[str, Any]:
    """The ``queueentryupdate`` message of a queue of ``ipbx`` (its ``tipbxid``): its
    waiting callers, by position, with the epoch time each joined (none for a queue that
    is gone)."""
    callers = queue.callers if queue is not None else ()
    entries = [
        {"position": c.position, "name": c.caller_id_name, "number": c.caller_id_num,
         "join_time": c.joined, "uniqueid": c.uniqueid}
        for c in callers
    ]  # fmt: skip
    state = {"queue_id": name, "entries": entries}
    return {"class": "queueentryupdate", "tipbxid": ipbx, "state": state}


def member_status(member: QueueMember) -> dict[str, Any]:
    """The ``updatestatus`` body of a queue member (``membership``: the agent panels show
    ``static``/``realtime``/``dynamic`` members, an empty one as not a member)."""
    return {
        "paused": "1" if member.paused else "0",
        "paused_reason": member.paused_reason,
        "membership": member.membership,
        "lastcall": str(member.last_call),
        "status": str(member.status),
        "penalty": str(member.penalty),
        "callstaken": str(member.calls_taken),
        "incall": member.in_call,
    }
