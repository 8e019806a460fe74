"""The reconnecting AMI client service: one logged-in connection to Asterisk, kept alive.

Connects at start and after every failure or loss, with capped exponential back-off and
jitter; logs in once the banner arrives; pings Asterisk and drops a connection whose Pong
does not come.  A refused login is logged once per attempt and retried no faster than
every ``AUTH_RETRY_DELAY`` seconds.

The login runs once ``ClientService`` holds the connection, not in its
``prepareConnection`` hook: a connection closed during that hook (Asterisk closes after
a refused login) makes ``ClientService`` raise ``NoTransition`` (Twisted 26.10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.internet import ClientService, backoffPolicy
from twisted.application.service import Service
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.protocol import Factory, connectionDone
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.ami.action import Headers
from xivo_cti.ami.config import AMIConfig
from xivo_cti.ami.endpoint import client_endpoint
from xivo_cti.ami.errors import (
    AMIActionTimeout,
    AMIAuthenticationError,
    AMIConnectionLost,
    AMINotConnected,
)
from xivo_cti.ami.message import Message
from xivo_cti.ami.protocol import AMIProtocol, EventListener

__all__ = ["AUTH_RETRY_DELAY", "AMIClientService"]

AUTH_RETRY_DELAY = 30.0
ConnectionListener = Callable[[bool], None]


class _ServiceProtocol(AMIProtocol):
    """An AMIProtocol that logs in on connect and reports its loss to the service."""

    def __init__(self, service: AMIClientService) -> None:
        cfg = service.config
        super().__init__(
            service.reactor, cfg.action_timeout, cfg.events_per_pass, cfg.time_per_pass
        )
        self._service = service

    def connectionMade(self) -> None:
        self._service._connection_made(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        super().connectionLost(reason)
        self._service._connection_lost(self, reason)


class _Factory(Factory):
    noisy = False  # no "Starting factory" lines at every reconnection attempt

    def __init__(self, service: AMIClientService) -> None:
        self.service = service

    def buildProtocol(self, addr: object) -> _ServiceProtocol:
        return _ServiceProtocol(self.service)


class AMIClientService(Service):
    """Keeps one logged-in AMI connection; ``on_connected(protocol)`` runs after each login."""

    _log = Logger()

    def __init__(
        self,
        reactor: Any,
        config: AMIConfig,
        on_connected: Callable[[AMIProtocol], Deferred[Any] | None] | None = None,
    ) -> None:
        self.reactor = reactor
        self.config = config
        self._on_connected = on_connected
        self._protocol: AMIProtocol | None = None
        self._event_listeners: list[EventListener] = []
        self._registrations: list[tuple[EventListener, Callable[[], None]]] = []
        self._connection_listeners: list[ConnectionListener] = []
        self._login_failures = 0
        self._auth_refused = False
        self._backoff = backoffPolicy(initialDelay=0.5, maxDelay=10.0, factor=2.0)
        self._pinging = False
        self._ping = LoopingCall(self._send_ping)
        self._ping.clock = reactor
        self._client = self._client_service()

    def _client_service(self) -> ClientService:
        cfg = self.config
        endpoint = client_endpoint(self.reactor, cfg.host, cfg.port, cfg.connect_timeout)
        return ClientService(
            endpoint, _Factory(self), retryPolicy=self._retry_delay, clock=self.reactor
        )

    @property
    def connected(self) -> bool:
        """True while a logged-in connection is up."""
        return self._protocol is not None

    @property
    def pending_actions(self) -> int:
        """Actions sent on the current connection still waiting for their answer."""
        return self._protocol.pending_actions if self._protocol is not None else 0

    @property
    def protocol(self) -> AMIProtocol | None:
        """The logged-in protocol, or None."""
        return self._protocol

    def startService(self) -> None:
        super().startService()
        self._client.startService()

    def stopService(self) -> Deferred[None]:
        super().stopService()
        return self._client.stopService()

    def reconfigure(self, config: AMIConfig) -> Deferred[None]:
        """Use ``config`` from now on: the current connection is closed, then a new one
        is made (to the new address, with the new credentials and limits)."""
        self.config = config
        self._login_failures = 0
        self._auth_refused = False
        old, self._client = self._client, self._client_service()
        if not self.running:
            return succeed(None)
        stopped = old.stopService()
        stopped.addCallback(lambda _: self._client.startService())
        return stopped

    # -- actions, delegated to the current connection ------------------------------

    def send_action(
        self, action: str, headers: Headers = (), timeout: float | None = None
    ) -> Deferred[Message]:
        """``AMIProtocol.send_action`` on the current connection, or ``AMINotConnected``."""
        if self._protocol is None:
            return self._not_connected(action)
        return self._protocol.send_action(action, headers, timeout)

    def send_action_list(
        self, action: str, headers: Headers = (), timeout: float | None = None
    ) -> Deferred[tuple[Message, list[Message]]]:
        """``AMIProtocol.send_action_list`` on the current connection."""
        if self._protocol is None:
            return self._not_connected(action)
        return self._protocol.send_action_list(action, headers, timeout)

    def originate(self, channel: str, **kwargs: Any) -> Deferred[Message]:
        """``AMIProtocol.originate`` on the current connection."""
        if self._protocol is None:
            return self._not_connected("Originate")
        return self._protocol.originate(channel, **kwargs)

    def command(self, cli_command: str, timeout: float | None = None) -> Deferred[list[str]]:
        """``AMIProtocol.command`` on the current connection."""
        if self._protocol is None:
            return self._not_connected("Command")
        return self._protocol.command(cli_command, timeout)

    def _not_connected(self, action: str) -> Deferred[Any]:
        where = f"{self.config.host}:{self.config.port}"
        return fail(AMINotConnected(f"{action}: no AMI connection to {where}"))

    # -- listeners -------------------------------------------------------------------

    def add_event_listener(self, callback: EventListener) -> Callable[[], None]:
        """Call ``callback(message)`` for each event, across reconnects; returns a remover."""
        self._event_listeners.append(callback)
        if self._protocol is not None:
            self._registrations.append((callback, self._protocol.add_event_listener(callback)))

        def remove() -> None:
            if callback in self._event_listeners:
                self._event_listeners.remove(callback)
            for i, (registered, remover) in enumerate(self._registrations):
                if registered is callback:
                    remover()
                    del self._registrations[i]
                    break

        return remove

    def add_connection_listener(self, callback: ConnectionListener) -> Callable[[], None]:
        """Call ``callback(True)`` after each login and ``callback(False)`` on each loss."""
        self._connection_listeners.append(callback)
        return lambda: self._connection_listeners.remove(callback)

    def _notify(self, connected: bool) -> None:
        for callback in tuple(self._connection_listeners):
            try:
                callback(connected)
            except Exception:
                self._log.failure("AMI connection listener {cb!r} failed", cb=callback)

    # -- connection life -------------------------------------------------------------

    def _retry_delay(self, attempt: int) -> float:
        delay = self._backoff(max(attempt, self._login_failures))
        return max(delay, AUTH_RETRY_DELAY) if self._auth_refused else delay

    def _connection_made(self, protocol: AMIProtocol) -> None:
        cfg = self.config
        d = protocol.banner_received
        d.addTimeout(cfg.connect_timeout, self.reactor)
        d.addCallback(lambda _: protocol.login(cfg.username, cfg.secret, cfg.events))
        d.addCallbacks(lambda _: self._logged_in(protocol), self._login_failed, (), {}, (protocol,))

    def _login_failed(self, failure: Failure, protocol: AMIProtocol) -> None:
        self._login_failures += 1
        self._auth_refused = bool(failure.check(AMIAuthenticationError))
        where = f"{self.config.host}:{self.config.port}"
        if self._auth_refused:
            self._log.error(
                "AMI login to {where} refused: {error}; check ami.username and ami.secret;"
                " retrying in {delay:g} s",
                where=where,
                error=failure.getErrorMessage(),
                delay=AUTH_RETRY_DELAY,
            )
        else:
            self._log.warn(
                "AMI login to {where} failed: {error!r}", where=where, error=failure.value
            )
        if not failure.check(AMIConnectionLost):
            protocol.transport.abortConnection()

    def _logged_in(self, protocol: AMIProtocol) -> None:
        self._login_failures = 0
        self._auth_refused = False
        self._protocol = protocol
        self._registrations = [
            (cb, protocol.add_event_listener(cb)) for cb in self._event_listeners
        ]
        self._log.info(
            "AMI logged in to {host}:{port} as {user} (AMI {version})",
            host=self.config.host,
            port=self.config.port,
            user=self.config.username,
            version=protocol.version,
        )
        self._pinging = False
        self._ping.start(self.config.ping_interval, now=False)
        if self._on_connected is not None:
            d = maybeDeferred(self._on_connected, protocol)
            d.addErrback(lambda f: self._log.failure("AMI on_connected failed", f))
        self._notify(True)

    def _connection_lost(self, protocol: AMIProtocol, reason: Failure) -> None:
        if protocol is not self._protocol:
            return
        self._protocol = None
        self._registrations = []
        if self._ping.running:
            self._ping.stop()
        self._log.warn("AMI connection lost: {reason}", reason=reason.getErrorMessage())
        self._notify(False)

    def _send_ping(self) -> None:
        protocol = self._protocol
        if protocol is None or self._pinging:
            return
        self._pinging = True

        def done(result: object) -> None:
            self._pinging = False
            if isinstance(result, Failure) and result.check(AMIActionTimeout):
                self._log.warn("AMI: no Pong from Asterisk, dropping the connection")
                if protocol.transport is not None:
                    protocol.transport.abortConnection()

        protocol.ping().addBoth(done)
