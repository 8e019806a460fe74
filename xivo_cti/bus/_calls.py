"""Commands sent to the owner of another ipbx, and their replies: pure bookkeeping.

The requesting node numbers its commands, gives each a deadline (Unix time) and matches
replies by id: a reply to a command it no longer waits for (answered, expired, unknown)
is dropped.  At most ``max_pending`` commands wait at once, so a silent owner cannot make
the table grow.  The owner runs a command only if it arrives before its deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xivo_cti.bus._messages import CommandReply, CommandRequest

__all__ = ["CallsFull", "Expired", "RemoteCalls", "Replied", "still_valid"]


class CallsFull(Exception):
    """Too many commands wait for their owner's reply already."""


@dataclass(frozen=True)
class Replied:
    """Command ``id`` got its reply."""

    id: str
    reply: CommandReply


@dataclass(frozen=True)
class Expired:
    """Command ``id`` got no reply before its deadline."""

    id: str


class RemoteCalls:
    """The commands this node (``reply_to``) waits on, by id."""

    def __init__(self, reply_to: str, *, max_pending: int = 1000) -> None:
        self._reply_to = reply_to
        self._max = max_pending
        self._count = 0
        self._deadlines: dict[str, float] = {}

    @property
    def pending(self) -> int:
        """How many commands wait for a reply."""
        return len(self._deadlines)

    def request(
        self, ipbx: str, action: str, headers: Mapping[str, str], *, now: float, timeout: float
    ) -> CommandRequest:
        """A new command for the owner of ``ipbx``, due ``timeout`` seconds after ``now``."""
        if len(self._deadlines) >= self._max:
            raise CallsFull(f"{len(self._deadlines)} commands already wait for a reply")
        self._count += 1
        call_id = f"{self._reply_to}.{self._count}"
        deadline = now + timeout
        self._deadlines[call_id] = deadline
        return CommandRequest(
            ipbx=ipbx,
            id=call_id,
            reply_to=self._reply_to,
            deadline=deadline,
            action=action,
            headers=dict(headers),
        )

    def reply_received(self, reply: CommandReply) -> Replied | None:
        """The outcome for a waiting command, or None for any other reply."""
        if self._deadlines.pop(reply.id, None) is None:
            return None
        return Replied(reply.id, reply)

    def expire(self, now: float) -> list[Expired]:
        """The commands whose deadline passed at ``now``; they wait no more."""
        late = [call_id for call_id, deadline in self._deadlines.items() if deadline <= now]
        for call_id in late:
            del self._deadlines[call_id]
        return [Expired(call_id) for call_id in late]


def still_valid(request: CommandRequest, now: float) -> bool:
    """Whether the owner may still run ``request`` at ``now`` (its deadline not passed)."""
    return now < request.deadline
