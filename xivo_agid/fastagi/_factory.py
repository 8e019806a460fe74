"""The FastAGI server factory: handler registry, who may connect and how many, clock."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IAddress, IDelayedCall, IReactorTime
from twisted.internet.protocol import ServerFactory
from twisted.logger import Logger

from xivo.deadlines import Deadlines
from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi._peerlog import PeerLog
from xivo_agid.fastagi._peers import AllowList
from xivo_agid.fastagi._protocol import FastAGIProtocol
from xivo_agid.fastagi._server import Handler
from xivo_agid.metrics import AgidMetrics

__all__ = ["FastAGIFactory"]

log = Logger(namespace="xivo_agid.fastagi")


class FastAGIFactory(ServerFactory):
    """Builds one ``FastAGIProtocol`` per connection allowed by ``config``.

    A peer not in ``allowed_peers``, or already holding ``max_connections_per_address``
    connections, is refused (closed at once).  When ``max_connections`` are open, the
    oldest connection that has not sent its environment yet is closed to make room
    (a real call must not wait behind idle sockets); with none, the new one is refused.
    ``handlers`` maps a script name (``agi://host/<script>``) to its handler.
    """

    def __init__(
        self,
        handlers: Mapping[str, Handler],
        config: FastAGIConfig,
        clock: IReactorTime,
        metrics: AgidMetrics,
    ) -> None:
        self.handlers = dict(handlers)
        self.metrics = metrics
        self.clock = clock
        self.config = config
        self.connections: dict[FastAGIProtocol, None] = {}
        """Open connections, oldest first."""
        self._per_address: dict[str, int] = {}
        self.peer_log = PeerLog(log, clock)
        """Where connections report what their peer did wrong, rate-limited."""
        self._drained: Deferred[None] | None = None

    @property
    def config(self) -> FastAGIConfig:
        """The limits; setting it (on SIGHUP) applies them to the next connections."""
        return self._config

    @config.setter
    def config(self, config: FastAGIConfig) -> None:
        self._config = config
        self._allowed = AllowList(config.allowed_peers)
        self.header_deadlines = Deadlines(self.clock, config.header_timeout)
        """Where connections set their deadline to send the environment."""
        self.session_deadlines = Deadlines(self.clock, config.session_timeout)
        """Where connections set their session's deadline."""

    def buildProtocol(self, addr: IAddress) -> FastAGIProtocol | None:
        host = getattr(addr, "host", "")
        config = self._config
        if not self._allowed.allows(host):
            return self._refuse("not_allowed", host, "not in fastagi.allowed_peers")
        if self._per_address.get(host, 0) >= config.max_connections_per_address:
            return self._refuse("per_address", host, "fastagi.max_connections_per_address")
        if len(self.connections) >= config.max_connections and not self._evict_idle():
            return self._refuse("full", host, "fastagi.max_connections, all in a call")
        return FastAGIProtocol(self, host)

    def _refuse(self, reason: str, host: str, why: str) -> None:
        self.metrics.refused_connections.labels(reason).inc()
        self.peer_log.emit("warn", "refusing FastAGI connection from {peer}: {why}",
                           peer=host, why=why)  # fmt: skip
        return None  # Twisted closes the socket at once

    def _evict_idle(self) -> bool:
        for protocol in self.connections:
            if protocol.session is None:
                self.metrics.refused_connections.labels("evicted").inc()
                self._forget(protocol)
                protocol.evict()
                return True
        return False

    def connection_opened(self, protocol: FastAGIProtocol) -> None:
        """Count a connection in (called by the protocol)."""
        self.connections[protocol] = None
        self._per_address[protocol.peer] = self._per_address.get(protocol.peer, 0) + 1

    def connection_closed(self, protocol: FastAGIProtocol) -> None:
        """Count a connection out (called by the protocol)."""
        self._forget(protocol)
        if self._drained is not None and not self.connections:
            self._drained.callback(None)

    def _forget(self, protocol: FastAGIProtocol) -> None:
        if protocol in self.connections:
            del self.connections[protocol]
            left = self._per_address[protocol.peer] - 1
            if left:
                self._per_address[protocol.peer] = left
            else:
                del self._per_address[protocol.peer]

    def stop_serving(self) -> Deferred[None]:
        """For a stopping server (no longer accepting): fires once the open connections
        have finished, those still open after ``drain_timeout`` being closed."""
        drained = self.drain()
        if not drained.called:
            timer = self.clock.callLater(self._config.drain_timeout, self._close_all)
            drained.addBoth(_cancelling(timer))
        return drained

    def _close_all(self) -> None:
        log.warn("FastAGI closing {count} sessions still open", count=len(self.connections))
        for protocol in list(self.connections):
            protocol.transport.abortConnection()

    def drain(self) -> Deferred[None]:
        """Fires once every open connection has closed (at once if none is open)."""
        if not self.connections:
            return succeed(None)
        if self._drained is None:
            self._drained = Deferred()
        return self._drained


def _cancelling(timer: IDelayedCall) -> Callable[[object], object]:
    def cancel(result: object) -> object:
        if timer.active():
            timer.cancel()
        return result

    return cancel
