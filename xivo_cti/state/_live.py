"""``LiveState``: the live picture of the PBX; ``apply(event)`` returns what changed.

The model never calls out: whoever feeds it an AMI event gets the list of changes back
and passes them on (to the views).  ``apply`` never raises: an unknown event is skipped
with one dict look-up, a malformed one is logged and skipped.  The indexes questions
need (live channels by device) are kept here with the entities.

Resync (see ``resync.py``): ``begin_resync`` starts recording the applied events while
they keep changing the current picture; ``finish_resync`` builds a fresh picture from
the list events of the resync actions, replays the recorded events on it in their order
of arrival (every handler is idempotent on a picture that already reflects an event),
swaps the pictures and returns the differences, then ``Resynced()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from xivo_cti.ami import Message
from xivo_cti.state import _agent_events, _channel_events, _device_events, _queue_events, _snapshot
from xivo_cti.state._changes import Change, Resynced
from xivo_cti.state._diff import changes_between, keep_times
from xivo_cti.state._entities import Agent, Bridge, Call, Channel, Hint, Queue, QueueMember
from xivo_cti.state._outcomes import QueueOutcomes
from xivo_cti.state._store import HUNG_UP_MEMORY, Store

HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    **_channel_events.HANDLERS,
    **_device_events.HANDLERS,
    **_queue_events.HANDLERS,
    **_agent_events.HANDLERS,
}

#: Events that also end a queue call (answered or abandoned), for ``queue_outcomes``.
OUTCOME_EVENTS = frozenset({"AgentConnect", "QueueCallerAbandon"})

#: A resync recording more events than this is abandoned (and retried).
MAX_RECORDED_EVENTS = 500_000

log = Logger()


class LiveState:
    """Channels, calls, devices, hints, queues, members and agents of one Asterisk."""

    def __init__(self, clock: IReactorTime | None = None) -> None:
        self._now: Callable[[], float] = clock.seconds if clock is not None else time.time
        self._store = Store(self._now)
        self._recording: list[Message] | None = None
        self.queue_outcomes = QueueOutcomes(self._now)
        """How recent queue calls ended (not part of a resync: Asterisk lists none)."""
        self.stale = True
        """True until the first resync succeeded, and again after one failed."""

    def apply(self, msg: Message) -> Sequence[Change]:
        """Apply one AMI event (any event: those the model does not use are ignored);
        return the changes it made, in order."""
        handler = HANDLERS.get(msg.event)  # type: ignore[arg-type]
        if handler is None:
            return ()
        recording = self._recording
        if recording is not None:
            recording.append(msg)
            if len(recording) > MAX_RECORDED_EVENTS:
                self._recording = None
        store = self._store
        store.changes = changes = []
        if msg.event in OUTCOME_EVENTS:
            left = self.queue_outcomes.event(msg)
            if left is not None:
                changes.append(left)
        try:
            handler(store, msg)
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            log.warn(
                "malformed AMI event {event} ({uniqueid}) ignored: {error!r}",
                event=msg.event,
                uniqueid=msg.get("Uniqueid"),
                error=e,
            )
        store.changes = None
        return changes

    @staticmethod
    def handles(event: str | None) -> bool:
        """Whether events named ``event`` may change the state (the others are ignored)."""
        return event in HANDLERS

    def snapshot(self) -> dict[str, Any]:
        """The whole picture as JSON-ready data (``load_snapshot`` on another node)."""
        return _snapshot.dump(self._store)

    def load_snapshot(self, data: Mapping[str, Any]) -> list[Change]:
        """Take the picture ``data`` (of ``snapshot``); the differences, then ``Resynced()``.
        ``ValueError`` (and the state unchanged) if ``data`` is not a picture."""
        new = _snapshot.load(data, self._now)
        changes = changes_between(self._store, new)
        self._store = new
        self.stale = False
        changes.append(Resynced())
        return changes

    @property
    def resyncing(self) -> bool:
        """True while a resync records events."""
        return self._recording is not None

    def begin_resync(self) -> object:
        """Start recording events for a resync; returns the token ``finish_resync`` takes."""
        self._recording = []
        return self._recording

    def abort_resync(self, token: object) -> None:
        """Give up the resync ``token``: the state is marked stale."""
        if token is self._recording:
            self._recording = None
        self.stale = True

    def finish_resync(self, token: object, snapshot: Iterable[Message]) -> list[Change] | None:
        """Rebuild from ``snapshot`` (the list events) and the events recorded since
        ``begin_resync``; return the differences, then ``Resynced()``.

        Returns None (nothing changed, state marked stale) if this resync was superseded
        by a newer one or recorded too many events.
        """
        recorded = self._recording
        if token is not recorded or recorded is None:
            self.stale = True
            return None
        self._recording = None
        old = self._store
        new = Store(self._now)
        for msg in (*snapshot, *recorded):
            handler = HANDLERS.get(msg.event)  # type: ignore[arg-type]
            if handler is not None:
                try:
                    handler(new, msg)
                except (KeyError, ValueError, TypeError, AttributeError):
                    pass  # already logged when it arrived, or a list event we cannot use
        keep_times(old, new)
        hung_up = {**old.hung_up, **new.hung_up}
        new.hung_up = dict.fromkeys(list(hung_up)[-HUNG_UP_MEMORY:])
        changes = changes_between(old, new)
        self._store = new
        self.stale = False
        changes.append(Resynced())
        return changes

    def channels_of(self, device: str) -> list[str]:
        """Uniqueids of the live channels of a device (``PJSIP/alice``), oldest first."""
        return list(self._store.by_device.get(device, ()))

    @property
    def channels(self) -> Mapping[str, Channel]:
        """Channels by Uniqueid."""
        return MappingProxyType(self._store.channels)

    @property
    def calls(self) -> Mapping[str, Call]:
        """Calls by Linkedid."""
        return MappingProxyType(self._store.calls)

    @property
    def bridges(self) -> Mapping[str, Bridge]:
        """Bridges by BridgeUniqueid."""
        return MappingProxyType(self._store.bridges)

    @property
    def devices(self) -> Mapping[str, str]:
        """Device states (``INUSE``, ``NOT_INUSE``...) by device (``PJSIP/alice``...)."""
        return MappingProxyType(self._store.devices)

    @property
    def hints(self) -> Mapping[tuple[str, str], Hint]:
        """Hints by (exten, context)."""
        return MappingProxyType(self._store.hints)

    @property
    def queues(self) -> Mapping[str, Queue]:
        """Queues by name."""
        return MappingProxyType(self._store.queues)

    @property
    def queue_members(self) -> Mapping[tuple[str, str], QueueMember]:
        """Queue members by (queue, interface)."""
        return MappingProxyType(self._store.queue_members)

    @property
    def agents(self) -> Mapping[str, Agent]:
        """Agents by agent id."""
        return MappingProxyType(self._store.agents)
