"""Following one ipbx's changes on a consuming node: a pure state machine.

Rules.  Until a snapshot is applied, and from a gap until the next one, the tracker waits
for the snapshot it asked for and keeps the changes that arrive meanwhile (at most
``max_buffered``, the oldest dropped first: a loss there shows as a gap later).  A
snapshot answering another request than the one pending is stale and ignored.  Once
synchronised at ``(epoch, seq)``: change ``seq + 1`` of that epoch is applied, one at or
below ``seq`` is a duplicate and dropped, anything else (a later number, another epoch)
is a gap and asks for a new snapshot; so is a heartbeat naming another epoch or a later
number (the last changes were lost).  Kept changes are replayed after the snapshot by
the same rules, except those of another epoch than the snapshot's, which are dropped
(and, as one of them may be newer, a new snapshot is asked for).  While a snapshot is
awaited, the first change or heartbeat of an epoch that was not the newest heard when it
was asked for (a holding begun since, which the request may have missed: it reached no
holder, or one whose publish path was down) asks again at once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from xivo_cti.bus._messages import Change, Heartbeat, Snapshot, SnapshotRequest

__all__ = ["Action", "ApplyChange", "ApplySnapshot", "RequestSnapshot", "SequenceTracker"]


@dataclass(frozen=True)
class ApplySnapshot:
    """Replace the ipbx's state by the snapshot's."""

    snapshot: Snapshot


@dataclass(frozen=True)
class ApplyChange:
    """Apply this change to the ipbx's state."""

    change: Change


@dataclass(frozen=True)
class RequestSnapshot:
    """Send this request to the ipbx's owner (and time it out)."""

    request: SnapshotRequest


Action = ApplySnapshot | ApplyChange | RequestSnapshot


class SequenceTracker:
    """In-order application of ``ipbx``'s changes, with snapshots at start and after gaps."""

    def __init__(self, ipbx: str, reply_to: str, *, max_buffered: int = 10000) -> None:
        self.ipbx = ipbx
        self._reply_to = reply_to
        self._requests = 0
        self._pending: str | None = None
        self._buffer: deque[Change] = deque(maxlen=max_buffered)
        self.epoch: str | None = None
        self.seq = 0
        self._heard: str | None = None  # the newest epoch heard from a holder
        self._asked: str | None = None  # the newest when the pending request was sent
        self.dropped = 0

    @property
    def synced(self) -> bool:
        """Whether the state applied so far is the owner's at ``(epoch, seq)``."""
        return self._pending is None and self.epoch is not None

    def resync(self) -> list[Action]:
        """Start, or start again after the bus connection came back: ask for a snapshot."""
        self._buffer.clear()
        return [self._request()]

    def change_received(self, change: Change) -> list[Action]:
        """A change of this ipbx arrived."""
        self._heard = change.epoch
        if self._pending is not None:
            self._buffer.append(change)
            return self._holding_begun(change.epoch)
        if change.epoch == self.epoch and change.seq <= self.seq:
            self.dropped += 1
            return []
        if change.epoch == self.epoch and change.seq == self.seq + 1:
            self.seq = change.seq
            return [ApplyChange(change)]
        self._buffer.append(change)
        return [self._request()]

    def heartbeat_received(self, heartbeat: Heartbeat) -> list[Action]:
        """The owner said where it is: a snapshot is asked for if changes were lost."""
        self._heard = heartbeat.epoch
        if self._pending is not None:
            return self._holding_begun(heartbeat.epoch)
        if not self.synced:
            return []
        if heartbeat.epoch == self.epoch and heartbeat.seq <= self.seq:
            return []
        return [self._request()]

    def snapshot_received(self, snapshot: Snapshot) -> list[Action]:
        """A snapshot of this ipbx arrived; ignored unless it answers the pending request."""
        if self._pending is None or snapshot.id != self._pending:
            return []
        self._pending = None
        self.epoch, self.seq = snapshot.epoch, snapshot.seq
        actions: list[Action] = [ApplySnapshot(snapshot)]
        kept = list(self._buffer)
        self._buffer.clear()
        newer_epoch = False
        for change in kept:
            if change.epoch != snapshot.epoch:
                newer_epoch = True
                self.dropped += 1
            else:
                actions += self.change_received(change)
        if newer_epoch and self._pending is None:
            actions.append(self._request())
        return actions

    def snapshot_timed_out(self, request_id: str) -> list[Action]:
        """The request ``request_id`` got no answer in time: ask again if still pending."""
        if request_id != self._pending:
            return []
        return [self._request()]

    def _holding_begun(self, epoch: str) -> list[Action]:
        if self._asked is None:  # asked before anything was heard: the request went to it
            self._asked = epoch
        if epoch in (self._asked, self.epoch):
            return []
        return [self._request()]

    def _request(self) -> RequestSnapshot:
        self._asked = self._heard
        self._requests += 1
        self._pending = f"{self.ipbx}.{self._requests}"
        return RequestSnapshot(
            SnapshotRequest(ipbx=self.ipbx, id=self._pending, reply_to=self._reply_to)
        )
