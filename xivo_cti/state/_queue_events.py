"""Handlers of queues, queue members and waiting callers.

QueueStatus answers with QueueParams, QueueMember (member fields ``Name``/``Location``)
and QueueEntry events; live member events (QueueMemberAdded, ...Status, ...Pause,
...Penalty, ...Ringinuse) carry ``MemberName``/``Interface``. Callers are kept in
position order, renumbered from 1 as Asterisk does when one leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from xivo_cti.ami import Message
from xivo_cti.state._entities import Queue, QueueCaller, QueueMember
from xivo_cti.state._store import Store


def _queue(store: Store, name: str) -> Queue:
    return store.queues.get(name) or Queue(name)


def _on_params(store: Store, msg: Message) -> None:
    get = msg.get
    queue = _queue(store, msg["Queue"])
    store.put_queue(
        replace(
            queue,
            strategy=get("Strategy", ""),
            max_callers=int(get("Max") or 0),
            completed=int(get("Completed") or 0),
            abandoned=int(get("Abandoned") or 0),
            holdtime=int(get("Holdtime") or 0),
            talktime=int(get("TalkTime") or 0),
            service_level=int(get("ServiceLevel") or 0),
            weight=int(get("Weight") or 0),
        )
    )


def _with_caller(queue: Queue, caller: QueueCaller) -> Queue:
    others = [c for c in queue.callers if c.uniqueid != caller.uniqueid]
    others.append(caller)
    others.sort(key=lambda c: c.position)
    return replace(queue, callers=tuple(others))


def _on_entry(store: Store, msg: Message) -> None:
    queue = _queue(store, msg["Queue"])
    caller = QueueCaller(
        msg["Uniqueid"],
        msg.get("Channel", ""),
        int(msg["Position"]),
        msg.get("CallerIDNum", ""),
        msg.get("CallerIDName", ""),
        store.now() - int(msg.get("Wait") or 0),
    )
    store.put_queue(_with_caller(queue, caller))


def _on_join(store: Store, msg: Message) -> None:
    queue = _queue(store, msg["Queue"])
    uniqueid = msg["Uniqueid"]
    old = next((c for c in queue.callers if c.uniqueid == uniqueid), None)
    caller = QueueCaller(
        uniqueid,
        msg.get("Channel", ""),
        int(msg["Position"]),
        msg.get("CallerIDNum", ""),
        msg.get("CallerIDName", ""),
        old.joined if old is not None else store.now(),
    )
    store.put_queue(_with_caller(queue, caller))


def _without_caller(queue: Queue, uniqueid: str) -> Queue:
    callers = tuple(
        c if c.position == n else replace(c, position=n)
        for n, c in enumerate((c for c in queue.callers if c.uniqueid != uniqueid), 1)
    )
    return replace(queue, callers=callers)


def _on_leave(store: Store, msg: Message) -> None:
    queue = store.queues.get(msg["Queue"])
    if queue is not None:
        store.put_queue(_without_caller(queue, msg["Uniqueid"]))


def _on_abandon(store: Store, msg: Message) -> None:
    queue = _queue(store, msg["Queue"])
    queue = _without_caller(queue, msg["Uniqueid"])
    store.put_queue(replace(queue, abandoned=queue.abandoned + 1))


def _on_member(store: Store, msg: Message) -> None:
    get = msg.get
    name = msg["Queue"]
    if name not in store.queues:
        store.put_queue(Queue(name))
    interface = get("Interface") or msg["Location"]
    store.put_member(
        QueueMember(
            name,
            interface,
            get("MemberName") or get("Name") or interface,
            get("StateInterface") or interface,
            get("Membership", ""),
            int(get("Penalty") or 0),
            int(get("CallsTaken") or 0),
            int(get("LastCall") or 0),
            get("InCall") == "1",
            int(get("Status") or 0),
            get("Paused") == "1",
            get("PausedReason", ""),
        )
    )


def _on_member_removed(store: Store, msg: Message) -> None:
    store.remove_member(msg["Queue"], msg.get("Interface") or msg["Location"])


HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    "QueueParams": _on_params,
    "QueueEntry": _on_entry,
    "QueueCallerJoin": _on_join,
    "QueueCallerLeave": _on_leave,
    "QueueCallerAbandon": _on_abandon,
    "QueueMember": _on_member,
    "QueueMemberAdded": _on_member,
    "QueueMemberStatus": _on_member,
    "QueueMemberPause": _on_member,
    "QueueMemberPenalty": _on_member,
    "QueueMemberRinginuse": _on_member,
    "QueueMemberRemoved": _on_member_removed,
}
