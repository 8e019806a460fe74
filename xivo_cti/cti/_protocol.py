"""The Twisted protocol of one CTI client: bytes to requests, bounded output, timers.

Output goes straight to the transport while it accepts data; once the transport asks us
to pause (its own buffer is full), further output is queued here up to
``output_buffer_limit`` bytes; past that the client is dropped with a log line, so a
client that does not read never slows the others nor grows memory.  On resume the
queue is handed back chunk by chunk only until the transport is full again: a resume
costs about one transport buffer, never a copy of the whole queue (a slow reader
resumed with megabytes queued would otherwise hold the reactor for milliseconds).  A
closing client gets ``close_timeout`` seconds to read what is left, then the connection
is aborted.
On connect the server offers STARTTLS (``starttls.py``); an accepted offer upgrades the
transport, and whatever clear text followed the request is dropped (never read as if it
had come encrypted).
Pushes come from the ``Broadcaster`` in one write per flush; a reply first takes the
pushes published before it and not yet flushed, so the client sees them in order.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from twisted.internet.interfaces import IPushProducer
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from zope.interface import implementer

from xivo.direct_write import no_nagle
from xivo_cti.cti._codec import CTIDecoder, InvalidLine, encode
from xivo_cti.cti._context import Connection, CTIContext
from xivo_cti.cti._session import ClientSession
from xivo_cti.cti._starttls import OFFER, Negotiation

__all__ = ["CTIProtocol"]


@implementer(IPushProducer)
class CTIProtocol(Protocol, Connection):
    """One client connection; ``peer`` is its address (host only)."""

    log = Logger()

    def __init__(self, ctx: CTIContext, peer: str) -> None:
        self.ctx = ctx
        self.peer = peer
        self.decoder = CTIDecoder(ctx.config.max_line_length)
        self.session = ClientSession(ctx, self)
        self.starttls = Negotiation(ctx.tls is not None)
        self.bad_lines = 0
        self.paused = False
        self.queued: deque[bytes] = deque()
        self.queued_size = 0
        self.closing = False
        self._login_timer: Any = None
        self._abort_timer: Any = None

    def connectionMade(self) -> None:
        """Register as producer (to learn when the client stops reading), start the timer;
        no Nagle delay: a reply goes out at once even while a push is not yet acknowledged
        (pushes are already gathered into one write per flush)."""
        self.ctx.metrics.cti_clients.inc()
        no_nagle(self.transport)
        self.transport.registerProducer(self, True)
        self._login_timer = self.ctx.clock.callLater(
            self.ctx.config.login_timeout, self._login_expired
        )
        self.send(dict(OFFER))

    def dataReceived(self, data: bytes) -> None:
        """Decode and hand over each complete line."""
        for item in self.decoder.feed(data):
            if self.closing:
                return
            if isinstance(item, InvalidLine):
                self.bad_lines += 1
                self.send({"class": "error", "error_string": item.reason})
                if self.bad_lines >= self.ctx.config.max_bad_lines:
                    self.close("too many invalid lines")
            elif item.klass == "starttls":
                if self._starttls(item.body):
                    return
            else:
                self.starttls.other_message()
                self.session.received(item)

    def _starttls(self, body: dict[str, Any]) -> bool:
        """Answer a STARTTLS request; True once the transport is upgraded."""
        outcome = self.starttls.received(body)
        if outcome.reply is not None:
            self.send(outcome.reply)
        if not outcome.upgrade:
            return False
        self.decoder = CTIDecoder(self.ctx.config.max_line_length)
        self.transport.startTLS(self.ctx.tls)
        return True

    def send(self, message: dict[str, Any]) -> None:
        """Encode (adding ``timenow``) and send one message."""
        self.ctx.broadcaster.catch_up(self)
        self.write_encoded(encode({**message, "timenow": self.ctx.clock.seconds()}))

    def write_encoded(self, data: bytes) -> None:
        """Write bytes, or queue them while paused; drop the client past the limit."""
        if self.closing:
            return
        if not self.paused:
            self.transport.write(data)
            return
        self.queued_size += len(data)
        if self.queued_size > self.ctx.config.output_buffer_limit:
            self.log.warn(
                "CTI client {peer} ({user}) not reading: {size} bytes queued, disconnected",
                peer=self.peer,
                user=self._user_login(),
                size=self.queued_size,
            )
            self.queued.clear()
            self.closing = True
            self.ctx.metrics.slow_clients_dropped.inc()
            self.transport.abortConnection()
            return
        self.queued.append(data)

    def write_chunks(self, chunks: list[bytes]) -> None:
        """Write several chunks in one transport write (one send), or queue each."""
        if self.paused or self.closing:
            for chunk in chunks:
                self.write_encoded(chunk)
            return
        self.transport.writeSequence(chunks)

    def pauseProducing(self) -> None:
        """The transport's buffer is full: queue output from now on."""
        self.paused = True

    def resumeProducing(self) -> None:
        """The transport drained: hand it queued output until it is full again."""
        self.paused = False
        queued = self.queued
        while queued and not self.paused and not self.closing:
            data = queued.popleft()
            self.queued_size -= len(data)
            self.transport.write(data)  # may call pauseProducing

    def stopProducing(self) -> None:
        """The transport is going away."""
        self.queued.clear()
        self.queued_size = 0

    def login_finished(self) -> None:
        """Login succeeded: stop the login timer."""
        if self._login_timer is not None and self._login_timer.active():
            self._login_timer.cancel()
        self._login_timer = None

    def close(self, reason: str) -> None:
        """Flush what can be flushed and disconnect; abort if not done in close_timeout."""
        if self.closing:
            return
        self.log.info("closing CTI client {peer}: {reason}", peer=self.peer, reason=reason)
        self.closing = True
        if self.queued:
            self.transport.writeSequence(list(self.queued))
            self.queued.clear()
            self.queued_size = 0
        self.transport.loseConnection()
        self._abort_timer = self.ctx.clock.callLater(self.ctx.config.close_timeout, self._abort)

    def _abort(self) -> None:
        self._abort_timer = None
        self.log.warn("CTI client {peer} did not read before closing: aborted", peer=self.peer)
        self.transport.abortConnection()

    def _login_expired(self) -> None:
        self._login_timer = None
        timeout = self.ctx.config.login_timeout  # not counting the server's password check
        left = min(timeout, self.session.login.waited_until + timeout - self.ctx.clock.seconds())
        if left > 0:
            self._login_timer = self.ctx.clock.callLater(left, self._login_expired)
            return
        self.send({"class": "login_id", "error_string": "login_timeout"})
        self.close("login timeout")

    def _user_login(self) -> str:
        user = self.session.user
        return user.login if user is not None else ""

    def connectionLost(self, reason: Any = None) -> None:
        """Release the session, the timer and the per-address count."""
        self.ctx.metrics.cti_clients.dec()
        self.closing = True
        self.login_finished()
        if self._abort_timer is not None and self._abort_timer.active():
            self._abort_timer.cancel()
        self._abort_timer = None
        self.session.closed()
        self.ctx.limits.connection_closed(self.peer)
