"""Queue statistics for the desktop client's queues panel, from the live state.

The panel sends ``subscribetoqueuesstats`` once, then every 30 s ``getqueuesstats`` with
``on``: ``{"<queue id>": {"window": "3600", "xqos": "60"}, ...}``; the answer's ``stats``
holds, per known queue, what the live state knows: waiting calls and the longest wait,
logged-in, available and talking members, the average hold time (also given as the
expected wait), and the calls answered (``Xivo-Link``), abandoned (``Xivo-Lost``) and in all
(``Xivo-Join``) since Asterisk's counters were last reset.  Over the last ``window``
seconds (at most a day): the longest wait of an answered call (``Xivo-Holdtime-max``),
the answered share of the calls that left the queue (``Xivo-Rate``, percent) and the
share of answered calls that waited at most ``xqos`` seconds (``Xivo-Qos``, percent);
each is left out while there is nothing to compute it from (the panel shows "-").  A
profile that may not read queues gets an empty ``stats``.  Queues are those of the
user's ipbx.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xivo_cti._errors import CommandError
from xivo_cti.commands._context import CommandContext
from xivo_cti.state import MAX_WINDOW, Queue, QueueMember, WindowStats
from xivo_cti.users import User

__all__ = ["MAX_QUEUES", "QUEUE_STATS_HANDLERS", "queue_stats", "window_stats"]

MAX_QUEUES = 1000
#: The client's defaults (queues panel settings): window 3600 s, QoS threshold 60 s.
_DEFAULTS = {"window": 3600, "xqos": 60}
#: Member device states: 4 invalid, 5 unavailable (logged out); 2 in use, 3 busy,
#: 7 ringing in use, 8 on hold (talking).
_ABSENT = (4, 5)
_TALKING = (2, 3, 7, 8)


def queue_stats(queue: Queue, members: Iterable[QueueMember], now: float) -> dict[str, int]:
    """The ``getqueuesstats`` figures of one queue at ``now`` (epoch seconds)."""
    logged = [m for m in members if m.status not in _ABSENT]
    waiting = len(queue.callers)
    longest = max((now - c.joined for c in queue.callers), default=0.0)
    return {
        "Xivo-WaitingCalls": waiting,
        "Xivo-LongestWaitTime": max(int(longest), 0),
        "Xivo-LoggedAgents": len(logged),
        "Xivo-AvailableAgents": sum(m.status == 1 and not m.paused for m in logged),
        "Xivo-TalkingAgents": sum(m.in_call or m.status in _TALKING for m in logged),
        "Xivo-EWT": queue.holdtime,
        "Xivo-Holdtime-avg": queue.holdtime,
        "Xivo-Join": queue.completed + queue.abandoned + waiting,
        "Xivo-Link": queue.completed,
        "Xivo-Lost": queue.abandoned,
    }


def window_stats(stats: WindowStats) -> dict[str, int]:
    """The ``getqueuesstats`` figures over a window (only those it can give)."""
    out = {}
    done = stats.answered + stats.abandoned
    if done:
        out["Xivo-Rate"] = round(100 * stats.answered / done)
    if stats.answered:
        out["Xivo-Holdtime-max"] = stats.max_holdtime
        out["Xivo-Qos"] = round(100 * stats.answered_in_qos / stats.answered)
    return out


def _params(value: Any) -> tuple[int, int]:
    """``window`` and ``xqos`` of one queue's request (seconds, as text or integers)."""
    if not isinstance(value, dict):
        raise CommandError("invalid_queues")
    out = []
    for key in ("window", "xqos"):
        raw = value.get(key, _DEFAULTS[key])
        text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
        if not (text.isascii() and text.isdigit() and len(text) <= 6):
            raise CommandError("invalid_queues")
        out.append(min(int(text), MAX_WINDOW))
    return out[0], out[1]


def _subscribe(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    return {"class": "subscribetoqueuesstats"}


def _stats(ctx: CommandContext, user: User, body: dict[str, Any]) -> dict[str, Any]:
    wanted = body.get("on")
    if not isinstance(wanted, dict) or len(wanted) > MAX_QUEUES:
        raise CommandError("invalid_queues")
    params = {name: _params(value) for name, value in wanted.items()}
    if "queues" not in user.profile.lists:
        return {"class": "getqueuesstats", "stats": {}}
    _, state, _ = ctx.home(user)
    now = ctx.clock.seconds()
    stats = {}
    for name, (window, qos) in params.items():
        queue = state.queues.get(name)
        if queue is not None:
            members = (m for (q, _), m in state.queue_members.items() if q == name)
            stats[name] = {
                **queue_stats(queue, members, now),
                **window_stats(state.queue_outcomes.window(name, window, qos)),
            }
    return {"class": "getqueuesstats", "stats": stats}


QUEUE_STATS_HANDLERS = {"subscribetoqueuesstats": _subscribe, "getqueuesstats": _stats}
