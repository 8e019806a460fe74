"""The AMI client's keepalive: a Ping on the logged-in connection every interval.

A Ping left unanswered (``AMIActionTimeout``, after the protocol's ``action_timeout``)
means the peer or the path to it is dead while TCP still looks open: the connection is
aborted, and the client service reconnects.  At most one Ping is in flight.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.ami._errors import AMIActionTimeout
from xivo_cti.ami._protocol import AMIProtocol

__all__ = ["Keepalive"]


class Keepalive:
    """Pings one connection at a time; ``log`` reports the connections it drops."""

    def __init__(self, clock: IReactorTime, log: Logger) -> None:
        self._log = log
        self._protocol: AMIProtocol | None = None
        self._pinging = False
        self._loop = LoopingCall(self._send_ping)
        self._loop.clock = clock

    def start(self, protocol: AMIProtocol, interval: float) -> None:
        """Ping ``protocol`` every ``interval`` seconds, the first time one interval on."""
        self._protocol = protocol
        self._pinging = False
        self._loop.start(interval, now=False)

    def stop(self) -> None:
        """Stop pinging (the connection is gone)."""
        self._protocol = None
        if self._loop.running:
            self._loop.stop()

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
