"""What one sent action waits for: a response, maybe list items, maybe an OriginateResponse."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall

from xivo_cti.ami._errors import AMIActionError, AMIListOverflow
from xivo_cti.ami._message import Message

__all__ = ["DEFAULT_LIST_CAP", "Kind", "ListCap", "PendingAction"]


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
