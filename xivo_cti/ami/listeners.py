"""The AMI client service's listeners, which outlive its connections.

``EventListeners`` adds each event listener to every logged-in connection, and its
remover works whichever connection is current.  ``ConnectionListeners`` tells its
listeners about each login and each loss; one that raises is logged, not propagated.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.logger import Logger

from xivo_cti.ami.protocol import AMIProtocol, EventListener

__all__ = ["ConnectionListener", "ConnectionListeners", "EventListeners"]

ConnectionListener = Callable[[bool], None]


class EventListeners:
    """Event listeners registered on the current connection and on each new one."""

    def __init__(self) -> None:
        self._callbacks: list[EventListener] = []
        self._registrations: list[tuple[EventListener, Callable[[], None]]] = []

    def add(self, callback: EventListener, protocol: AMIProtocol | None) -> Callable[[], None]:
        """Keep ``callback``, registered on ``protocol`` (the current one) if any."""
        self._callbacks.append(callback)
        if protocol is not None:
            self._registrations.append((callback, protocol.add_event_listener(callback)))

        def remove() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)
            for i, (registered, remover) in enumerate(self._registrations):
                if registered is callback:
                    remover()
                    del self._registrations[i]
                    break

        return remove

    def attach(self, protocol: AMIProtocol) -> None:
        """Register every listener on ``protocol``, the new logged-in connection."""
        self._registrations = [(cb, protocol.add_event_listener(cb)) for cb in self._callbacks]

    def detach(self) -> None:
        """Forget the registrations on the connection just lost."""
        self._registrations = []


class ConnectionListeners:
    """Callbacks taking True after each login and False on each loss."""

    def __init__(self, log: Logger) -> None:
        self._log = log
        self._callbacks: list[ConnectionListener] = []

    def add(self, callback: ConnectionListener) -> Callable[[], None]:
        """Keep ``callback``; returns its remover."""
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback)

    def notify(self, connected: bool) -> None:
        """Call every listener with ``connected``; failures are logged."""
        for callback in tuple(self._callbacks):
            try:
                callback(connected)
            except Exception:
                self._log.failure("AMI connection listener {cb!r} failed", cb=callback)
