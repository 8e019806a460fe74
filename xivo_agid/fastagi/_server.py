"""What a FastAGI connection needs from the server that accepted it.

The protocol depends on this interface, not on the factory that implements it, so that
``protocol`` and ``factory`` do not import each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Protocol as TwistedProtocol

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi._peerlog import PeerLog
from xivo_agid.fastagi._session import AGISession
from xivo_agid.metrics import AgidMetrics

__all__ = ["FastAGIServer", "Handler"]

Handler = Callable[[AGISession], Deferred[Any] | Awaitable[Any] | None]
"""A FastAGI script: takes the session, returns a Deferred, a coroutine or None."""


class FastAGIServer(Protocol):
    """The handlers, limits and clock of a server, and its count of open connections."""

    handlers: Mapping[str, Handler]
    clock: IReactorTime
    peer_log: PeerLog
    """Where connections report what their peer did wrong (rate-limited)."""
    metrics: AgidMetrics

    @property
    def config(self) -> FastAGIConfig:
        """The limits in force (changed by SIGHUP for the next connections)."""
        ...

    def connection_opened(self, protocol: TwistedProtocol) -> None:
        """A connection was made."""
        ...

    def connection_closed(self, protocol: TwistedProtocol) -> None:
        """A connection was lost."""
        ...
