"""The owner's side of one ipbx: its AMI events numbered and published, heartbeats, and the
snapshots other nodes ask for.

Each AMI event the live state uses is a change numbered ``seq`` within the current
``epoch``, after the owner's own state applied it: a snapshot taken between two events is
the state after change ``seq``.  The changes of one reactor pass go out together, at the
end of it (``callLater(0)``), as one ``changes`` message (at most ``MAX_EVENTS`` events
and ``MAX_MESSAGE_BYTES``, else several); whatever is pending goes out before a
heartbeat, a snapshot or a new epoch, so those never run ahead of the changes.  A resync
of the owner's state (after an AMI login) changes it in ways no event tells, so it starts
a new epoch: followers then ask for a snapshot.  A heartbeat says where the owner is
every ``heartbeat_interval`` seconds.  Publishing never waits: a message the bus loses
shows as a gap to the followers.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.ami import Message
from xivo_cti.bus._fields import MAX_EVENTS
from xivo_cti.bus._messages import (
    MAX_MESSAGE_BYTES,
    Changes,
    Heartbeat,
    Snapshot,
    SnapshotRequest,
    encode,
)
from xivo_cti.state import LiveState

__all__ = ["ChangePublisher", "new_epoch"]

Publish = Callable[[str, bytes], Deferred[None]]
"""Publish a body with a routing key (``BusConnection.publish``)."""

log = Logger()


def new_epoch() -> str:
    """A token no earlier holding of the ipbx used."""
    return secrets.token_hex(8)


class ChangePublisher:
    """Publishes ``ipbx``'s changes and heartbeats while started, and answers snapshots."""

    def __init__(
        self,
        ipbx: str,
        state: LiveState,
        publish: Publish,
        clock: IReactorTime,
        *,
        heartbeat_interval: float = 2.0,
        epochs: Callable[[], str] = new_epoch,
    ) -> None:
        self.ipbx = ipbx
        self._state = state
        self._publish = publish
        self._epochs = epochs
        self.epoch = epochs()
        self.seq = 0
        self._heartbeat = LoopingCall(self.heartbeat)
        self._heartbeat.clock = clock
        self._interval = heartbeat_interval
        self._failures = 0
        self._clock = clock
        self._pending: list[list[list[str]]] = []
        self.messages = 0
        """How many ``changes`` messages were sent."""
        self._flush: IDelayedCall | None = None

    def start(self) -> None:
        """Start numbering from a new epoch (the node just took the ipbx) and beating."""
        self.resynced()
        if not self._heartbeat.running:
            self._heartbeat.start(self._interval, now=False)

    def stop(self) -> None:
        """Stop beating (the node no longer holds the ipbx)."""
        self.flush()
        if self._heartbeat.running:
            self._heartbeat.stop()

    def event(self, message: Message) -> None:
        """One AMI event of the ipbx, already applied to the owner's state."""
        if not self._heartbeat.running or not self._state.handles(message.event):
            return
        self.seq += 1
        self._pending.append([list(h) for h in message.headers])
        if len(self._pending) >= MAX_EVENTS:
            self.flush()
        elif self._flush is None:
            self._flush = self._clock.callLater(0, self.flush)

    def flush(self) -> None:
        """Publish the changes not yet sent, ending at ``seq``."""
        if self._flush is not None:
            if self._flush.active():
                self._flush.cancel()
            self._flush = None
        events, self._pending = self._pending, []
        if events:
            self._send_changes(self.seq - len(events) + 1, events)

    def _send_changes(self, first: int, events: list[list[list[str]]]) -> None:
        body = encode(Changes(ipbx=self.ipbx, epoch=self.epoch, first_seq=first, events=events))
        if len(body) > MAX_MESSAGE_BYTES and len(events) > 1:
            half = len(events) // 2
            self._send_changes(first, events[:half])
            self._send_changes(first + half, events[half:])
        else:
            self.messages += 1
            self._send(f"ipbx.{self.ipbx}.change", body)

    def resynced(self) -> None:
        """The owner's state was rebuilt: a new epoch, told at once."""
        self.flush()
        self.epoch, self.seq = self._epochs(), 0
        self.heartbeat()

    def heartbeat(self) -> None:
        """Say where the owner is."""
        self.flush()
        beat = Heartbeat(ipbx=self.ipbx, epoch=self.epoch, seq=self.seq)
        self._send(f"ipbx.{self.ipbx}.heartbeat", encode(beat))

    def snapshot_requested(self, request: SnapshotRequest) -> None:
        """Send the whole state, as of the last change published, to the node that asked."""
        self.flush()
        snapshot = Snapshot(ipbx=self.ipbx, id=request.id, epoch=self.epoch, seq=self.seq,
                            state=self._state.snapshot())  # fmt: skip
        self._send(f"node.{request.reply_to}", encode(snapshot))

    def _send(self, key: str, body: bytes) -> None:
        self._publish(key, body).addErrback(self._failed, key)

    def _failed(self, failure: Failure, key: str) -> None:
        self._failures += 1
        if self._failures == 1 or self._failures % 1000 == 0:
            log.warn("bus: {count} message(s) of {ipbx} not published (last: {key}): {error}",
                     count=self._failures, ipbx=self.ipbx, key=key,
                     error=failure.getErrorMessage())  # fmt: skip
