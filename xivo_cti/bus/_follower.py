"""A node's view of the ipbx other nodes own: one ``SequenceTracker`` per ipbx, its actions
carried out on a live state of that ipbx and on the data path.

Messages come from the node's own queue (every ipbx's changes and heartbeats, and the
replies addressed to the node).  An ipbx first heard of gets a live state (added to the
shared ``states``), ``follow(ipbx)`` (the node routes its changes to its queue) and a
snapshot request; each change of a batch is an AMI event fed to the data path
as if it came from that ipbx's Asterisk; a snapshot replaces the state, its differences
going the same way.  A snapshot request unanswered after ``snapshot_timeout`` seconds is
sent again.  Messages of the ipbx this node holds are dropped, and so are those of a new
ipbx once ``max_ipbx`` are followed (the bus is shared, not unbounded).  An ipbx from
whose holder nothing came for ``silence`` seconds (three heartbeats) has no holder as far
as this node knows: ``answering`` says so, and commands on it fail at once.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, MutableMapping, Sequence

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from xivo_cti.ami import Message
from xivo_cti.bus._messages import (
    Change,
    Changes,
    Heartbeat,
    Snapshot,
    encode,
)
from xivo_cti.bus._sequence import (
    Action,
    ApplyChange,
    ApplySnapshot,
    RequestSnapshot,
    SequenceTracker,
)
from xivo_cti.state import Change as StateChange
from xivo_cti.state import LiveState

__all__ = ["Followers", "event_of"]

log = Logger()


def event_of(change: Change) -> Message:
    """The AMI event a change of a decoded ``Changes`` carries (checked by ``decode``)."""
    return Message(tuple((k, v) for k, v in change.change["event"]))  # type: ignore[attr-defined]


class Followers:
    """Follows every ipbx heard of on the bus but those in ``owned``."""

    def __init__(
        self,
        node: str,
        states: MutableMapping[str, LiveState],
        owned: Collection[str],
        *,
        event: Callable[[Message, str], None],
        changed: Callable[[Sequence[StateChange], str], None],
        publish: Callable[[str, bytes], Deferred[None]],
        clock: IReactorTime,
        follow: Callable[[str], None] = lambda ipbx: None,
        snapshot_timeout: float = 5.0,
        max_ipbx: int = 1000,
        silence: float = 6.0,
    ) -> None:
        self.node = node
        self._states = states
        self._owned = owned
        self._event = event
        self._changed = changed
        self._publish = publish
        self._follow = follow
        self._clock = clock
        self.snapshot_timeout = snapshot_timeout
        self._max_ipbx = max_ipbx
        self._trackers: dict[str, SequenceTracker] = {}
        self._silence = silence
        self._heard: dict[str, float] = {}

    def received(self, message: Changes | Heartbeat | Snapshot) -> None:
        """Changes, a heartbeat or a snapshot from the node's queue."""
        if message.ipbx in self._owned:
            return
        tracker = self._tracker(message.ipbx)
        if tracker is None:
            return
        self._heard[message.ipbx] = self._clock.seconds()
        if isinstance(message, Changes):
            for change in message.each():
                self._run(tracker.change_received(change))
        elif isinstance(message, Heartbeat):
            self._run(tracker.heartbeat_received(message))
        else:
            self._run(tracker.snapshot_received(message))

    def answering(self, ipbx: str) -> bool:
        """Whether the holder of ``ipbx`` was heard of in the last ``silence`` seconds."""
        heard = self._heard.get(ipbx)
        return heard is not None and self._clock.seconds() - heard <= self._silence

    def connected(self) -> None:
        """The bus connection is (back) up: every followed ipbx starts from a snapshot."""
        for tracker in self._trackers.values():
            self._run(tracker.resync())

    def _tracker(self, ipbx: str) -> SequenceTracker | None:
        tracker = self._trackers.get(ipbx)
        if tracker is None:
            if len(self._trackers) >= self._max_ipbx:
                log.warn("bus: ipbx {ipbx} not followed: {count} are already", ipbx=ipbx,
                         count=len(self._trackers))  # fmt: skip
                return None
            self._states.setdefault(ipbx, LiveState(self._clock))
            self._follow(ipbx)
            tracker = self._trackers[ipbx] = SequenceTracker(ipbx, self.node)
            self._run(tracker.resync())
        return tracker

    def _run(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, ApplyChange):
                change = action.change
                self._event(event_of(change), change.ipbx)
            elif isinstance(action, ApplySnapshot):
                snapshot = action.snapshot
                try:
                    changes = self._states[snapshot.ipbx].load_snapshot(snapshot.state)
                except ValueError as e:
                    log.warn("bus: snapshot of {ipbx} refused: {error}", ipbx=snapshot.ipbx,
                             error=e)  # fmt: skip
                    self._run(self._trackers[snapshot.ipbx].resync())
                    return  # the changes after it would apply to the state before it
                self._changed(changes, snapshot.ipbx)
            else:
                self._request(action)

    def _request(self, action: RequestSnapshot) -> None:
        request = action.request
        self._publish(f"ipbx.{request.ipbx}.snapshot", encode(request)).addErrback(
            lambda failure: None  # no answer then: asked again at the timeout
        )
        tracker = self._trackers[request.ipbx]
        self._clock.callLater(
            self.snapshot_timeout, lambda: self._run(tracker.snapshot_timed_out(request.id))
        )
