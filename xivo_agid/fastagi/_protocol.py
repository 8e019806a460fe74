"""The Twisted side of FastAGI: one protocol per connection, routed to a handler by script.

What a request logs and how it ended (counted once the connection is gone) is its
``RequestReport``.
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.protocol import Protocol, connectionDone
from twisted.python.failure import Failure

from xivo.deadlines import Deadline
from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._errors import AGIProtocolError
from xivo_agid.fastagi._events import (
    EnvironmentReceived,
    HangupReceived,
    InterimReplyReceived,
    ReplyReceived,
    StreamEnded,
    UnexpectedLine,
)
from xivo_agid.fastagi._parser import FastAGIParser
from xivo_agid.fastagi._report import RequestReport
from xivo_agid.fastagi._server import FastAGIServer, Handler
from xivo_agid.fastagi._session import AGISession

__all__ = ["FastAGIProtocol", "Handler"]


class FastAGIProtocol(Protocol):
    """Reads the environment, runs the script's handler, closes when the handler is done;
    ``report`` logs the request and counts its outcome when the connection ends."""

    MAX_UNEXPECTED = 8
    """Unexpected lines (garbage, stray replies, repeated HANGUPs) a connection may send;
    one more and it is dropped, the rest of what it sent unread."""

    def __init__(self, factory: FastAGIServer, peer: str = "") -> None:
        self.factory = factory
        self.peer = peer
        """The peer's address (host only)."""
        self.report = RequestReport(factory, peer)
        self.session: AGISession | None = None
        self._unexpected = 0
        self._parser = FastAGIParser()
        self._timer: Deadline | None = None
        self._handling: Deferred[Any] | None = None
        self._closing = False

    @property
    def outcome(self) -> str | None:
        """How the request ended, once known (``RequestReport.outcome``)."""
        return self.report.outcome

    def connectionMade(self) -> None:
        self.factory.connection_opened(self)
        # The header deadline, then the session's (the factory's shared deadline queues).
        self._timer = self.factory.header_deadlines.start(self._timed_out)

    def dataReceived(self, data: bytes) -> None:
        if self._closing:
            return
        self._parser.receive_data(data)
        self._process_events()

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        cut_short = False
        if not self._closing:  # the peer closed: what it sent last still counts
            self._parser.receive_eof()
            cut_short = self._process_events()
            self._closing = True
        self._cancel_timer()
        self.factory.connection_closed(self)
        if self._handling is not None:
            self.report.ended("connection_lost")
        if self.session is not None:
            detail = "in the middle of a reply" if cut_short else "while a command was pending"
            self.session.connection_lost(f"FastAGI connection closed {detail}")
        if self._handling is not None:
            self._handling.cancel()
        self.report.count()

    def _process_events(self) -> bool:
        """Handle the complete events until this side closes; True if the stream ended
        with a reply cut short."""
        while not self._closing:
            try:
                event = self._parser.next_event()
            except AGIProtocolError as e:
                self.report.log(
                    "warn", "FastAGI protocol error, closing: {error}", error=str(e), limited=True
                )
                self.report.ended("protocol_error")
                self._close()
                return False
            if event is None:
                return False
            if isinstance(event, EnvironmentReceived):
                self._start(event.environment)
            elif isinstance(event, ReplyReceived):
                if self.session is None or not self.session.reply_received(event.reply):
                    self._unexpected_input("reply with no command waiting", event.reply.text)
            elif isinstance(event, HangupReceived):
                if self.session is None or self.session.hung_up:
                    self._unexpected_input("HANGUP", "HANGUP")
                else:
                    self.session.hangup_received()
            elif isinstance(event, InterimReplyReceived):
                if self.session is None or not self.session.waiting:
                    self._unexpected_input(
                        "interim reply with no command waiting", event.reply.text
                    )
            elif isinstance(event, UnexpectedLine):
                self._unexpected_input("unexpected line", event.line)
            elif isinstance(event, StreamEnded):
                return event.incomplete
        return False

    def _unexpected_input(self, what: str, line: str) -> None:
        """Count a line nothing expected; log the first, drop the connection after too many."""
        self._unexpected += 1
        self.factory.metrics.unexpected_input.inc()
        if self._unexpected == 1:
            self.report.log(
                "info", "FastAGI {what} ignored: {line!r}", what=what, line=line[:80], limited=True
            )
        if self._unexpected > self.MAX_UNEXPECTED:
            self.report.log(
                "warn",
                "FastAGI peer sent {count} unexpected lines, closing",
                count=self._unexpected,
                limited=True,
            )
            self.report.ended("protocol_error")
            self._close()

    def evict(self) -> None:
        """Close this connection, which has not sent its environment: the server is full."""
        self.report.log(
            "info",
            "closing a FastAGI connection idle before its environment: the server is full",
            limited=True,
        )
        self._close()

    def _start(self, env: AGIEnvironment) -> None:
        self.session = AGISession(env, self.transport.write)
        self.report.env = env
        handler = self.factory.handlers.get(env.script)
        if handler is None:
            self._cancel_timer()
            self.report.log("warn", "unknown FastAGI script {script!r}, closing", script=env.script)
            self.report.ended("unknown_script")
            self._close()
            return
        self._cancel_timer()
        self._timer = self.factory.session_deadlines.start(self._timed_out)
        self._handling = maybeDeferred(handler, self.session)
        self._handling.addBoth(self._handler_done)

    def _handler_done(self, result: object) -> None:
        self._handling = None
        self._cancel_timer()
        if isinstance(result, Failure):
            self.report.handler_failed(result)
        else:
            self.report.ended("ok")
        self._close()

    def _timed_out(self) -> None:
        self._timer = None
        config = self.factory.config
        if self.session is None:
            self.report.ended("no_environment")
            self.report.log(
                "info",
                "no FastAGI environment within {seconds}s, closing",
                seconds=config.header_timeout,
                limited=True,
            )
        else:
            self.report.ended("timeout")
            self.report.log(
                "warn",
                "FastAGI session over its {seconds}s deadline, closing",
                seconds=config.session_timeout,
            )
            if self._handling is not None:
                self._handling.cancel()
        self._close()

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _close(self) -> None:
        if not self._closing:
            self._closing = True
            self.transport.loseConnection()
