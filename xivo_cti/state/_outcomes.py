"""``QueueOutcomes``: how recent queue calls ended, for statistics over a time window.

Each caller that leaves a queue answered (``AgentConnect``: a member took the call) or
abandoned (``QueueCallerAbandon``) is kept with the time it left and how long it waited
(Asterisk's ``HoldTime``), at most ``MAX_OUTCOMES`` per queue and none older than
``MAX_WINDOW`` seconds.  ``window`` sums those that ended in the last ``window`` seconds.
``restore`` takes back those kept before a restart (the history store holds them).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from xivo_cti.ami import Message
from xivo_cti.state._changes import QueueCallLeft

__all__ = ["MAX_OUTCOMES", "MAX_WINDOW", "QueueOutcomes", "WindowStats"]

MAX_OUTCOMES = 500
MAX_WINDOW = 86400


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Calls that left a queue in a window: answered, abandoned, answered within the
    QoS threshold, and the longest wait of an answered one."""

    answered: int = 0
    abandoned: int = 0
    answered_in_qos: int = 0
    max_holdtime: int = 0


class QueueOutcomes:
    """Recent outcomes per queue name, fed with every AMI event by ``LiveState.apply``."""

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._by_queue: dict[str, deque[QueueCallLeft]] = {}

    def event(self, msg: Message) -> QueueCallLeft | None:
        """Record the outcome an ``AgentConnect`` or ``QueueCallerAbandon`` event tells;
        the outcome recorded, if any."""
        answered = msg.event == "AgentConnect"
        if not answered and msg.event != "QueueCallerAbandon":
            return None
        queue = msg.get("Queue")
        holdtime = msg.get("HoldTime") or "0"
        if not queue or not holdtime.isascii() or not holdtime.isdigit() or len(holdtime) > 9:
            return None
        uniqueid = msg.get("Uniqueid") or ""
        left = QueueCallLeft(
            queue=queue, uniqueid=uniqueid, ended=self._now(), holdtime=int(holdtime),
            answered=answered,
        )  # fmt: skip
        outcomes = self._by_queue.get(queue)
        if outcomes is None:
            outcomes = self._by_queue[queue] = deque(maxlen=MAX_OUTCOMES)
        while outcomes and outcomes[0].ended < left.ended - MAX_WINDOW:
            outcomes.popleft()
        outcomes.append(left)
        return left

    def restore(self, kept: Iterable[QueueCallLeft]) -> None:
        """Take back outcomes recorded before (a restart): merged with those seen since,
        each caller's once, within the bounds."""
        since = self._now() - MAX_WINDOW
        merged: dict[str, dict[tuple[str, float, bool], QueueCallLeft]] = {}
        for left in (*kept, *(o for q in self._by_queue.values() for o in q)):
            if left.ended >= since:
                key = (left.uniqueid, left.ended if not left.uniqueid else 0.0, left.answered)
                merged.setdefault(left.queue, {}).setdefault(key, left)
        for queue, outcomes in merged.items():
            ordered = sorted(outcomes.values(), key=lambda o: o.ended)
            self._by_queue[queue] = deque(ordered, maxlen=MAX_OUTCOMES)

    def window(self, queue: str, seconds: int, qos: int) -> WindowStats:
        """What ended in ``queue`` in the last ``seconds``; ``qos`` is the longest wait
        (seconds) an answered call may have had to count as within the QoS threshold."""
        since = self._now() - seconds
        answered = abandoned = in_qos = longest = 0
        for left in reversed(self._by_queue.get(queue, ())):
            if left.ended < since:
                break
            if left.answered:
                answered += 1
                in_qos += left.holdtime <= qos
                longest = max(longest, left.holdtime)
            else:
                abandoned += 1
        return WindowStats(answered, abandoned, in_qos, longest)
