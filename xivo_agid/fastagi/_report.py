"""What one FastAGI request reports: its log lines and, once its connection is gone, its
outcome in ``xivo_agid_requests``.

Log lines carry the call's channel and uniqueid once the environment arrived; what the
peer did wrong is logged with its address under the server's rate limit (``PeerLog``).
The first outcome known is the request's: ``ok``, ``error`` (the handler failed),
``bad_request`` (the handler refused the request's arguments), ``hangup``, ``timeout``,
``unknown_script``, ``protocol_error``, ``no_environment`` or ``connection_lost``.
"""

from __future__ import annotations

from twisted.internet.defer import CancelledError
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._errors import AGIConnectionLost, AGIHangup, AGIRequestError
from xivo_agid.fastagi._server import FastAGIServer

__all__ = ["RequestReport"]

log = Logger(namespace="xivo_agid.fastagi")


class RequestReport:
    """The log and the outcome of the request on one connection from ``peer``."""

    def __init__(self, server: FastAGIServer, peer: str) -> None:
        self._server = server
        self.peer = peer
        self.env: AGIEnvironment | None = None
        """The request's environment, once received."""
        self.outcome: str | None = None
        """How the request ended, once known."""

    def ended(self, outcome: str) -> None:
        """The request ended with ``outcome``, unless an earlier one is known."""
        if self.outcome is None:
            self.outcome = outcome

    def log(self, level: str, message: str, *, limited: bool = False, **fields: object) -> None:
        """Log with the call's channel; ``limited``: what the peer did wrong, with its
        address, under the server's rate limit."""
        if self.env is not None:
            message += " (channel {channel}, uniqueid {uniqueid})"
            fields.update(channel=self.env.channel, uniqueid=self.env.uniqueid)
        if limited:
            self._server.peer_log.emit(level, message + " (peer {peer})", peer=self.peer, **fields)
        else:
            getattr(log, level)(message, **fields)

    def handler_failed(self, failure: Failure) -> None:
        """The handler failed: a hangup under it is ``hangup`` (logged as information), a
        cancel (deadline, connection lost) was reported already, a refused request is
        ``bad_request`` (a warning under the rate limit: the dialplan repeats it on every
        call), the rest is ``error`` with its traceback."""
        if failure.check(CancelledError):
            return
        if failure.check(AGIRequestError):
            self.ended("bad_request")
            script = self.env.script if self.env is not None else ""
            message = "FastAGI script {script!r} refused the request: {error}"
            self.log("warn", message, limited=True, script=script, error=str(failure.value))
            return
        if failure.check(AGIHangup, AGIConnectionLost):
            self.ended("hangup")
            self.log("info", "session ended early: {error}", error=str(failure.value))
            return
        self.ended("error")
        env = self.env or AGIEnvironment()
        log.failure(
            "FastAGI handler {script!r} failed on channel {channel} uniqueid {uniqueid}",
            failure,
            script=env.script,
            channel=env.channel,
            uniqueid=env.uniqueid,
        )

    def count(self) -> None:
        """The connection is gone: count the request under its script (``unknown`` for
        a script with no handler) and outcome."""
        if self.env is None:
            script, default = "", "no_environment"
        else:
            script = self.env.script if self.env.script in self._server.handlers else "unknown"
            default = "connection_lost"
        self.outcome = self.outcome or default
        self._server.metrics.request(script, self.outcome).inc()
