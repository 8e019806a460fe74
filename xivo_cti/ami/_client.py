"""The reconnecting AMI client service: one logged-in connection to Asterisk, kept alive.

Connects at start and after every failure or loss, with capped exponential back-off and
jitter; logs in once the banner arrives; pings Asterisk and drops a connection whose Pong
does not come (``keepalive``).  A refused login is logged once per attempt and retried
no faster than every ``retry.AUTH_RETRY_DELAY`` seconds.

The login runs once ``ClientService`` holds the connection, not in its
``prepareConnection`` hook: a connection closed during that hook (Asterisk closes after
a refused login) makes ``ClientService`` raise ``NoTransition`` (Twisted 26.10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.internet import ClientService
from twisted.application.service import Service
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.listeners import Listeners
from xivo.redact import redact
from xivo_cti.ami._action import Headers
from xivo_cti.ami._config import AMIConfig
from xivo_cti.ami._endpoint import client_endpoint
from xivo_cti.ami._errors import AMIAuthenticationError, AMIConnectionLost, AMINotConnected
from xivo_cti.ami._keepalive import Keepalive
from xivo_cti.ami._message import Message
from xivo_cti.ami._pending import ListCap
from xivo_cti.ami._protocol import AMIProtocol, EventListener
from xivo_cti.ami._retry import AUTH_RETRY_DELAY, RetryPolicy

__all__ = ["AMIClientService", "ConnectionListener"]


ConnectionListener = Callable[[bool], None]


class _Factory(Factory):
    noisy = False  # no "Starting factory" lines at every reconnection attempt

    def __init__(self, build: Callable[[], AMIProtocol]) -> None:
        self._build = build

    def buildProtocol(self, addr: object) -> AMIProtocol:
        return self._build()


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
        self._events: Listeners[[Message]] = Listeners("AMI event")
        self._connection: Listeners[[bool]] = Listeners("AMI connection")
        self._retry = RetryPolicy()
        self._keepalive = Keepalive(reactor, self._log)
        self._client = self._client_service()

    def _client_service(self) -> ClientService:
        cfg = self.config
        endpoint = client_endpoint(self.reactor, cfg.host, cfg.port, cfg.connect_timeout)
        factory = _Factory(self._new_protocol)
        return ClientService(endpoint, factory, retryPolicy=self._retry, clock=self.reactor)

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
        self._retry.reset()
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
        return self._events.add(callback)

    def add_connection_listener(self, callback: ConnectionListener) -> Callable[[], None]:
        """Call ``callback(True)`` after each login and ``callback(False)`` on each loss."""
        return self._connection.add(callback)

    # -- connection life -------------------------------------------------------------

    def _new_protocol(self) -> AMIProtocol:
        """A protocol for a new connection: it logs in once the banner came, shares the
        event listeners, and tells ``_connection_lost`` when it is gone."""
        cfg = self.config
        protocol = AMIProtocol(
            self.reactor, cfg.action_timeout, cfg.events_per_pass, cfg.time_per_pass,
            ListCap(cfg.max_list_items, cfg.max_list_bytes),
            events=self._events, on_lost=self._connection_lost,
        )  # fmt: skip
        d = protocol.banner_received
        d.addTimeout(cfg.connect_timeout, self.reactor)
        d.addCallback(lambda _: protocol.login(cfg.username, cfg.secret, cfg.events))
        d.addCallbacks(lambda _: self._logged_in(protocol), self._login_failed, (), {}, (protocol,))
        return protocol

    def _login_failed(self, failure: Failure, protocol: AMIProtocol) -> None:
        refused = bool(failure.check(AMIAuthenticationError))
        self._retry.login_failed(refused)
        where = f"{self.config.host}:{self.config.port}"
        error = redact(failure.getErrorMessage(), (self.config.secret,))  # a peer may echo it
        if refused:
            self._log.error(
                "AMI login to {where} refused: {error}; check ami.username and ami.secret;"
                " retrying in {delay:g} s",
                where=where,
                error=error,
                delay=AUTH_RETRY_DELAY,
            )
        else:
            self._log.warn(
                "AMI login to {where} failed: {kind}: {error}",
                where=where,
                kind=failure.type.__name__,
                error=error,
            )
        if not failure.check(AMIConnectionLost):
            protocol.transport.abortConnection()

    def _logged_in(self, protocol: AMIProtocol) -> None:
        self._retry.reset()
        self._protocol = protocol
        self._log.info(
            "AMI logged in to {host}:{port} as {user} (AMI {version})",
            host=self.config.host,
            port=self.config.port,
            user=self.config.username,
            version=protocol.version,
        )
        self._keepalive.start(protocol, self.config.ping_interval)
        if self._on_connected is not None:
            d = maybeDeferred(self._on_connected, protocol)
            d.addErrback(lambda f: self._log.failure("AMI on_connected failed", f))
        self._connection.notify(True)

    def _connection_lost(self, protocol: AMIProtocol, reason: Failure) -> None:
        if protocol is not self._protocol:
            return
        self._protocol = None
        self._keepalive.stop()
        self._log.warn("AMI connection lost: {reason}", reason=reason.getErrorMessage())
        self._connection.notify(False)
