"""The FastAGI server factory: handler registry, connection limit, clock."""

from __future__ import annotations

from collections.abc import Mapping

from twisted.internet.interfaces import IAddress, IReactorTime
from twisted.internet.protocol import ServerFactory
from twisted.logger import Logger

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi._peerlog import PeerLog
from xivo_agid.fastagi.protocol import FastAGIProtocol, Handler

__all__ = ["FastAGIFactory"]

log = Logger(namespace="xivo_agid.fastagi")


class FastAGIFactory(ServerFactory):
    """Builds one ``FastAGIProtocol`` per connection, refusing those over ``max_connections``.

    ``handlers`` maps a script name (``agi://host/<script>``) to its handler.
    """

    def __init__(
        self, handlers: Mapping[str, Handler], config: FastAGIConfig, clock: IReactorTime
    ) -> None:
        self.handlers = dict(handlers)
        self.config = config
        self.clock = clock
        self.connections: set[FastAGIProtocol] = set()
        self.peer_log = PeerLog(log, clock)
        """Where connections report what their peer did wrong, rate-limited."""

    def buildProtocol(self, addr: IAddress) -> FastAGIProtocol | None:
        if len(self.connections) >= self.config.max_connections:
            log.warn(
                "refusing FastAGI connection from {peer}: {count} connections already open",
                peer=str(addr),
                count=len(self.connections),
            )
            return None  # Twisted closes the socket at once
        return FastAGIProtocol(self)

    def connection_opened(self, protocol: FastAGIProtocol) -> None:
        """Count a connection in (called by the protocol)."""
        self.connections.add(protocol)

    def connection_closed(self, protocol: FastAGIProtocol) -> None:
        """Count a connection out (called by the protocol)."""
        self.connections.discard(protocol)
