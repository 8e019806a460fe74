"""The Twisted adapter of the panel's listener: HTTP (``_http``) until an upgrade, then
WebSocket frames (``_frames``) around a ``CTIProtocol``, the TCP port's own session: login,
profiles, limits, rate limits, slow-client drop and the broadcaster's budgets are the same
code.  The CTI protocol writes lines to a ``FrameTransport``, which sends each as one text
frame on the real transport (whose full buffer pauses the CTI protocol directly); the
listener's ``LineFramer`` frames a push shared by many clients once."""

from __future__ import annotations

from typing import Any

from twisted.internet.interfaces import IDelayedCall
from twisted.internet.protocol import Protocol
from twisted.logger import Logger

from xivo.direct_write import no_nagle
from xivo_cti.cti import CTIContext, CTIProtocol
from xivo_cti.web._assets import Assets
from xivo_cti.web._config import WebConfig
from xivo_cti.web._frames import (
    Closed,
    HandshakeRefused,
    Line,
    LineFramer,
    Send,
    WebSocket,
    text_frame,
)
from xivo_cti.web._http import HTTPFront, Reply, reply

__all__ = ["FrameTransport", "WebProtocol"]


class FrameTransport:
    """The transport a ``CTIProtocol`` sees: each line written goes as one text frame."""

    def __init__(self, web: WebProtocol, framer: LineFramer) -> None:
        self._web = web
        self._framer = framer
        self._rest = b""

    def write(self, data: bytes) -> None:
        """Frame every complete line (a write is whole lines; a partial one waits)."""
        if not self._rest and data.endswith(b"\n"):
            self._web.transport.write(self._framer.frame(data))
            return
        lines = (self._rest + data).split(b"\n")
        self._rest = lines.pop()
        if lines:
            self._web.transport.write(b"".join(text_frame(line) for line in lines))

    def writeSequence(self, data: list[bytes]) -> None:
        """Frame each chunk of whole lines (shared chunks framed once), one write."""
        if not self._rest and all(chunk.endswith(b"\n") for chunk in data):
            self._web.transport.writeSequence([self._framer.frame(chunk) for chunk in data])
            return
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Close the WebSocket (code 1000), then the connection."""
        self._web.close_websocket(1000, "closed by the server")

    def abortConnection(self) -> None:
        """Drop the connection now."""
        self._web.transport.abortConnection()

    def registerProducer(self, producer: Any, streaming: bool) -> None:
        """The real transport pauses and resumes the CTI protocol."""
        self._web.transport.registerProducer(producer, streaming)

    def unregisterProducer(self) -> None:
        """Stop telling the CTI protocol about the buffer."""
        self._web.transport.unregisterProducer()

    def getPeer(self) -> Any:
        """The client's address."""
        return self._web.transport.getPeer()

    def getHost(self) -> Any:
        """The listener's address."""
        return self._web.transport.getHost()


class WebProtocol(Protocol):
    """One connection to the panel's listener; ``peer`` is the client's host."""

    log = Logger()

    def __init__(
        self,
        ctx: CTIContext,
        config: WebConfig,
        assets: Assets,
        peer: str,
        framer: LineFramer | None = None,
    ) -> None:
        self.ctx = ctx
        self.framer = framer or LineFramer()
        self.config = config
        self.peer = peer
        self.front = HTTPFront(assets, secure=config.tls, origins=frozenset(config.allowed_origins))
        self.websocket: WebSocket | None = None
        self.cti: CTIProtocol | None = None
        self._timer: IDelayedCall | None = None
        self._counted = False

    def connectionMade(self) -> None:
        """Count the connection against its address (503 past the limit), then give the
        client ``request_timeout`` seconds to send its request; no Nagle delay, as on the
        CTI port (the CTI session's ``FrameTransport`` is not the TCP connection)."""
        no_nagle(self.transport)
        self._counted = self.ctx.limits.connection_opened(self.peer)
        if not self._counted:
            self.log.warn("panel connection from {peer} refused: too many", peer=self.peer)
            self._refuse(reply(503, b"too many connections from this address\n"))
            return
        self._timer = self.ctx.clock.callLater(self.config.request_timeout, self._timed_out)

    def dataReceived(self, data: bytes) -> None:
        """HTTP until the upgrade, frames after it."""
        if self.websocket is None:
            self._http(data)
        else:
            self._frames(data)

    def _http(self, data: bytes) -> None:
        outcome = self.front.receive_data(data)
        if outcome is None:
            return
        self._stop_timer()
        if isinstance(outcome, Reply):
            self._refuse(outcome.data)
            return
        websocket = WebSocket(self.config.max_message)
        try:
            accepted = websocket.accept(outcome.headers, outcome.target)
        except HandshakeRefused as e:
            self._refuse(reply(e.status, f"bad WebSocket handshake: {e.reason}\n".encode()))
            return
        self.transport.write(accepted)
        self.websocket = websocket
        self._counted = False  # the CTI session holds the address's count from now on
        self.cti = CTIProtocol(self.ctx, self.peer)
        self.cti.makeConnection(FrameTransport(self, self.framer))
        if outcome.rest:
            self._frames(outcome.rest)

    def _frames(self, data: bytes) -> None:
        assert self.websocket is not None and self.cti is not None
        for event in self.websocket.receive_data(data):
            if isinstance(event, Line):
                self.cti.dataReceived(event.data)
            elif isinstance(event, Send):
                if not self.cti.paused:  # a client that does not read gets no pongs queued
                    self.transport.write(event.data)
            elif isinstance(event, Closed):
                self._closed(event)

    def _closed(self, event: Closed) -> None:
        if event.code not in (1000, 1001, 1005):
            self.log.info(
                "panel client {peer}: WebSocket closed ({code} {reason})",
                peer=self.peer, code=event.code, reason=event.reason,
            )  # fmt: skip
        self.transport.write(event.data)
        self.transport.loseConnection()

    def close_websocket(self, code: int, reason: str) -> None:
        """Send a close frame, then close the connection."""
        if self.websocket is not None and not self.websocket.closed:
            self._closed(self.websocket.close(code, reason))
        else:
            self.transport.loseConnection()

    def _refuse(self, data: bytes) -> None:
        self.transport.write(data)
        self.transport.loseConnection()

    def _timed_out(self) -> None:
        self._timer = None
        self._refuse(reply(408, b"request timeout\n"))

    def _stop_timer(self) -> None:
        if self._timer is not None and self._timer.active():
            self._timer.cancel()
        self._timer = None

    def connectionLost(self, reason: Any = None) -> None:
        """End the CTI session, if any (it releases the per-address count), or release
        the count of a connection that never upgraded."""
        self._stop_timer()
        if self._counted:
            self._counted = False
            self.ctx.limits.connection_closed(self.peer)
        if self.cti is not None:
            self.cti.connectionLost(reason)
