"""The actions sent on one connection that wait for their answer, by ActionID.

``PendingActions`` gives each action a unique ActionID, a Deferred and a timeout, hands
a message carrying the ActionID of a pending action to it (and only it), and fails them
all when the connection is lost (as AMP's ``BoxDispatcher``).  ``PendingAction`` is what
one of them waits for: a response, maybe list items, maybe an OriginateResponse.
"""

from __future__ import annotations

import enum
import itertools
import secrets
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime

from xivo_cti.ami._errors import (
    AMIActionError,
    AMIActionTimeout,
    AMIConnectionLost,
    AMIListOverflow,
)
from xivo_cti.ami._message import Message

__all__ = ["DEFAULT_LIST_CAP", "Kind", "ListCap", "PendingAction", "PendingActions"]


class Kind(enum.Enum):
    """How an action is answered."""

    SINGLE = "one response"
    LIST = "a response, events carrying the ActionID, then a ...Complete event"
    ORIGINATE = "a response, then an OriginateResponse event"


@dataclass(frozen=True)
class ListCap:
    """The most one list reply may hold (items, and bytes of their text)."""

    items: int = 200_000
    size: int = 64 << 20


DEFAULT_LIST_CAP = ListCap()


class PendingAction:
    """One action waiting for its answer; ``take`` says whether the action is finished."""

    __slots__ = ("action", "cap", "deferred", "items", "kind", "response", "size", "timer")

    def __init__(
        self, action: str, kind: Kind, deferred: Deferred[Any], cap: ListCap = DEFAULT_LIST_CAP
    ) -> None:
        self.action = action
        self.kind = kind
        self.deferred = deferred
        self.cap = cap
        self.response: Message | None = None
        self.items: list[Message] = []
        self.size = 0
        self.timer: IDelayedCall | None = None

    def take(self, message: Message) -> bool | None:
        """Account for ``message``; True when finished, None if the message is not ours.

        A list item past the cap fails the action with ``AMIListOverflow`` and raises it
        (the caller resets the connection).
        """
        if message.event is None:
            return self._take_response(message)
        if self.kind is Kind.LIST:
            if message.peek("EventList") == "Complete" or message.event.endswith("Complete"):
                self._succeed((self.response, self.items))
                return True
            self.size += message.size
            if len(self.items) >= self.cap.items or self.size > self.cap.size:
                error = AMIListOverflow(
                    f"{self.action} (ActionID {message.action_id}): list reply over"
                    f" {self.cap.items} items or {self.cap.size} bytes"
                )
                self.fail(error)
                raise error
            self.items.append(message)
            return False
        if self.kind is Kind.ORIGINATE and message.event == "OriginateResponse":
            if message.response == "Success":
                self._succeed(message)
            else:
                self.fail(AMIActionError(message))
            return True
        return None

    def _take_response(self, message: Message) -> bool | None:
        if self.response is not None:
            return None
        if message.response == "Error":
            self.fail(AMIActionError(message))
            return True
        if self.kind is Kind.SINGLE:
            self._succeed(message)
            return True
        self.response = message
        return False

    def _succeed(self, result: Any) -> None:
        self._stop_timer()
        self.deferred.callback(result)

    def fail(self, error: Exception) -> None:
        """Fail the action (error response, timeout, connection lost)."""
        self._stop_timer()
        self.deferred.errback(error)

    def _stop_timer(self) -> None:
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


class PendingActions:
    """The actions of one connection waiting for their answer, each with a timeout."""

    def __init__(self, clock: IReactorTime, list_cap: ListCap = DEFAULT_LIST_CAP) -> None:
        self._clock = clock
        self.list_cap = list_cap
        self._prefix = secrets.token_hex(3)
        self._counter = itertools.count(1)
        self._pending: dict[str, PendingAction] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def next_id(self) -> str:
        """A new ActionID, unique on this connection."""
        return f"{self._prefix}.{next(self._counter)}"

    def add(self, action_id: str, action: str, kind: Kind, timeout: float) -> Deferred[Any]:
        """Wait for the answer to ``action`` (sent with ``action_id``) for ``timeout``
        seconds; cancelling the Deferred forgets it."""
        d: Deferred[Any] = Deferred(lambda _: self._forget(action_id))
        pending = PendingAction(action, kind, d, self.list_cap)
        pending.timer = self._clock.callLater(timeout, self._expire, action_id, timeout)
        self._pending[action_id] = pending
        return d

    def answer(self, message: Message) -> bool:
        """Hand ``message`` to the action it answers; False if it answers none (an event).

        A list reply past its cap fails its action and raises ``AMIListOverflow``.
        """
        action_id = message.action_id
        if action_id is None:
            return False
        pending = self._pending.get(action_id)
        if pending is None:
            return False
        try:
            finished = pending.take(message)
        except AMIListOverflow:
            del self._pending[action_id]
            raise
        if finished:
            del self._pending[action_id]
        return finished is not None

    def connection_lost(self) -> None:
        """Fail every pending action with ``AMIConnectionLost``."""
        pending, self._pending = self._pending, {}
        for action_id, action in pending.items():
            text = f"{action.action} (ActionID {action_id}): connection lost before the answer"
            action.fail(AMIConnectionLost(text))

    def _forget(self, action_id: str) -> None:
        pending = self._pending.pop(action_id, None)
        if pending is not None and pending.timer is not None and pending.timer.active():
            pending.timer.cancel()

    def _expire(self, action_id: str, delay: float) -> None:
        pending = self._pending.pop(action_id)
        pending.timer = None
        text = f"{pending.action} (ActionID {action_id}): no answer within {delay:g} s"
        pending.fail(AMIActionTimeout(text))
