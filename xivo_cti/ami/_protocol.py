"""The AMI client protocol: ActionID-matched Deferreds over the sans-IO codec.

Every action gets a unique ActionID, a Deferred and a timeout (``PendingActions``).
Messages carrying the ActionID of a pending action answer it (and only it); every other
message goes to the event listeners.  Reading never waits on anything: Asterisk drops
slow readers.  One reactor pass handles at most ``events_per_pass`` messages and about
``time_per_pass`` seconds of their handling (see ``pacing.ReadPacer``).  A list reply
past its ``ListCap`` fails its action and resets the connection like a protocol error.
The login exchange is in ``login``, the Originate action's headers in ``originate``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.defer import Deferred, fail
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Protocol, connectionDone
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.listeners import Listeners
from xivo_cti.ami._action import Headers, format_action
from xivo_cti.ami._codec import AMIParser, Banner
from xivo_cti.ami._errors import (
    AMIActionRefused,
    AMIConnectionLost,
    AMIListOverflow,
    AMIProtocolError,
)
from xivo_cti.ami._login import authenticate
from xivo_cti.ami._message import Message
from xivo_cti.ami._originate import Originate, originate_headers
from xivo_cti.ami._pacing import ReadPacer
from xivo_cti.ami._pending import DEFAULT_LIST_CAP, Kind, ListCap, PendingActions

__all__ = ["AMIProtocol", "EventListener", "EventListeners", "LossCallback"]

EventListener = Callable[[Message], None]
EventListeners = Listeners[[Message]]
LossCallback = Callable[["AMIProtocol", Failure], None]


class AMIProtocol(Protocol):
    """One AMI session; ``banner_received`` fires with the AMI version.

    Unsolicited messages go to ``events`` (a service shares one across its connections);
    ``on_lost(protocol, reason)`` is called once the connection is gone.
    """

    max_message_size = 1 << 20
    _log = Logger()

    def __init__(
        self,
        clock: IReactorTime,
        action_timeout: float = 10.0,
        events_per_pass: int = 100,
        time_per_pass: float = float("inf"),
        list_cap: ListCap = DEFAULT_LIST_CAP,
        *,
        events: EventListeners | None = None,
        on_lost: LossCallback | None = None,
    ) -> None:
        self.clock = clock
        self.action_timeout = action_timeout
        self.version: str | None = None
        self.banner_received: Deferred[str] = Deferred()
        self._parser = AMIParser(self.max_message_size)
        self._actions = PendingActions(clock, list_cap)
        self._events = events if events is not None else Listeners("AMI event")
        self._on_lost = on_lost
        self._lost = False
        self._pacer = ReadPacer(clock, events_per_pass, self._handle_next, time_per_pass)

    @property
    def pending_actions(self) -> int:
        """How many sent actions still wait for their answer."""
        return len(self._actions)

    # -- actions -----------------------------------------------------------------

    def send_action(
        self, action: str, headers: Headers = (), timeout: float | None = None
    ) -> Deferred[Message]:
        """Send an action; fires with its response, errbacks ``AMIActionError`` on Error.

        Also errbacks with ``AMIActionRefused`` (nothing sent), ``AMIActionTimeout`` or
        ``AMIConnectionLost``.
        """
        return self._send(action, headers, timeout, Kind.SINGLE)

    def send_action_list(
        self, action: str, headers: Headers = (), timeout: float | None = None
    ) -> Deferred[tuple[Message, list[Message]]]:
        """Send a list action; fires with (response, list item events) once complete.

        The closing ``...Complete`` event is not among the items.
        """
        return self._send(action, headers, timeout, Kind.LIST)

    def originate(self, channel: str, **call: Any) -> Deferred[Message]:
        """Async Originate (the fields of ``originate.Originate``); fires with the
        OriginateResponse event, errbacks ``AMIActionError`` if it reports a failure."""
        spec = Originate(channel=channel, **call)
        try:
            headers = originate_headers(spec)
        except AMIActionRefused as e:
            return fail(e)
        timeout = spec.timeout_ms / 1000 + self.action_timeout
        return self._send("Originate", headers, timeout, Kind.ORIGINATE)

    def command(self, cli_command: str, timeout: float | None = None) -> Deferred[list[str]]:
        """Run a CLI command; fires with its output lines (either Asterisk format)."""
        d = self.send_action("Command", [("Command", cli_command)], timeout)
        return d.addCallback(lambda response: response.get_all("Output"))

    def login(
        self, username: str, secret: str, events: str = "on", md5: bool = False
    ) -> Deferred[Message]:
        """Log in (plain or MD5 challenge); errbacks ``AMIAuthenticationError`` if refused."""
        return authenticate(self.send_action, username, secret, events, md5)

    def ping(self, timeout: float | None = None) -> Deferred[Message]:
        """Send Ping; fires with the Pong response."""
        return self.send_action("Ping", (), timeout)

    def logoff(self) -> Deferred[Message]:
        """Send Logoff; Asterisk answers Goodbye and closes the connection."""
        return self.send_action("Logoff")

    def _send(
        self, action: str, headers: Headers, timeout: float | None, kind: Kind
    ) -> Deferred[Any]:
        if self._lost or self.transport is None:
            return fail(AMIConnectionLost(f"{action}: not connected"))
        action_id = self._actions.next_id()
        items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
        try:
            data = format_action(action, [*items, ("ActionID", action_id)])
        except AMIActionRefused as e:
            return fail(e)
        delay = self.action_timeout if timeout is None else timeout
        d = self._actions.add(action_id, action, kind, delay)
        self.transport.write(data)
        return d

    # -- events ------------------------------------------------------------------

    def add_event_listener(self, callback: EventListener) -> Callable[[], None]:
        """Call ``callback(message)`` for each unsolicited message; returns a remover."""
        return self._events.add(callback)

    # -- Twisted -----------------------------------------------------------------

    def dataReceived(self, data: bytes) -> None:
        self._parser.receive_data(data)
        self._pacer.run(self.transport)

    def _handle_next(self) -> bool:
        """Handle one buffered message; False when none is complete (or the stream broke)."""
        if self._lost:
            return False
        try:
            item = self._parser.next_event()
        except AMIProtocolError as e:
            self._reset(e)
            return False
        if item is None:
            return False
        if type(item) is Message:
            self._message_received(item)
        else:
            self._banner_received(item)
        return True

    def _banner_received(self, banner: Banner) -> None:
        self.version = banner.version
        self.banner_received.callback(banner.version)

    def _message_received(self, message: Message) -> None:
        try:
            answered = self._actions.answer(message)
        except AMIListOverflow as e:
            self._reset(e)
            return
        if not answered:
            self._events.notify(message)

    def _reset(self, error: AMIProtocolError) -> None:
        """Log ``error`` and drop the connection; nothing more is read from it."""
        peer = self.transport.getPeer() if self.transport else None
        self._log.error("AMI protocol error from {peer}: {error}; closing", peer=peer, error=error)
        self._pacer.stop()
        self._lost = True
        self.transport.abortConnection()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._pacer.finish()  # what was read before the loss, answers included
        self._pacer.stop()
        self._lost = True
        self._actions.connection_lost()
        if not self.banner_received.called:
            self.banner_received.errback(AMIConnectionLost("connection closed before the banner"))
        if self._on_lost is not None:
            self._on_lost(self, reason)
