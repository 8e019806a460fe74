"""``LiveState``: the live picture of the PBX, fed by AMI events, observed by others.

The model never calls out: the AMI side calls ``handle_event`` for every event, the
CTI side reads the mappings and ``subscribe``s to changes. ``handle_event`` never
raises: an unknown event is skipped with one dict look-up, a malformed one is logged
and skipped.

Resync (see ``resync.py``): ``begin_resync`` starts recording the handled events while
they keep being applied to the current picture; ``finish_resync`` builds a fresh
picture from the list events of the resync actions, replays the recorded events on it
in their order of arrival (every handler is idempotent on a picture that already
reflects an event), tells subscribers the differences and swaps the pictures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

from xivo_cti.ami.message import Message
from xivo_cti.state import agent_events, channel_events, device_events, queue_events
from xivo_cti.state.changes import Change, Resynced
from xivo_cti.state.diff import changes_between, keep_times
from xivo_cti.state.entities import Agent, Bridge, Call, Channel, Hint, Queue, QueueMember
from xivo_cti.state.store import HUNG_UP_MEMORY, Store

HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    **channel_events.HANDLERS,
    **device_events.HANDLERS,
    **queue_events.HANDLERS,
    **agent_events.HANDLERS,
}

#: A resync recording more events than this is abandoned (and retried).
MAX_RECORDED_EVENTS = 500_000

log = Logger()


class LiveState:
    """Channels, calls, devices, hints, queues, members and agents of one Asterisk."""

    def __init__(self, clock: IReactorTime | None = None) -> None:
        self._now: Callable[[], float] = clock.seconds if clock is not None else time.time
        self._listeners: list[Callable[[Change], None]] = []
        self._store = Store(self._now, None)
        self._recording: list[Message] | None = None
        self.stale = True
        """True until the first resync succeeded, and again after one failed."""

    def handle_event(self, msg: Message) -> None:
        """Apply one AMI event (any event: those the model does not use are ignored)."""
        handler = HANDLERS.get(msg.event)  # type: ignore[arg-type]
        if handler is None:
            return
        recording = self._recording
        if recording is not None:
            recording.append(msg)
            if len(recording) > MAX_RECORDED_EVENTS:
                self._recording = None
        store = self._store
        store.emit = self._emit if self._listeners else None
        try:
            handler(store, msg)
        except (KeyError, ValueError, TypeError, AttributeError) as e:
            log.warn(
                "malformed AMI event {event} ({uniqueid}) ignored: {error!r}",
                event=msg.event,
                uniqueid=msg.get("Uniqueid"),
                error=e,
            )

    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``listener(change)`` on every change; returns the unsubscribe function."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, change: Change) -> None:
        for listener in tuple(self._listeners):
            try:
                listener(change)
            except Exception:
                log.failure("state listener {listener!r} failed", listener=listener)

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

    def finish_resync(self, token: object, snapshot: Iterable[Message]) -> bool:
        """Rebuild from ``snapshot`` (the list events) and the events recorded since
        ``begin_resync``; tell the differences, then ``Resynced()``.

        Returns False (nothing changed, state marked stale) if this resync was superseded
        by a newer one or recorded too many events.
        """
        recorded = self._recording
        if token is not recorded or recorded is None:
            self.stale = True
            return False
        self._recording = None
        old = self._store
        new = Store(self._now, None)
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
        for change in changes:
            self._emit(change)
        self._emit(Resynced())
        return True

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
