"""pika's Twisted protocol for ``BusConnection``, in a module of its own.

pika's Twisted adapter imports the global reactor (installing the default one if none
is): ``BusConnection`` imports this module when it builds its first protocol, with the
daemon's reactor installed and running, so importing ``xivo_cti`` never installs a
reactor (``twistd --reactor`` and the tests choose theirs first).  The protocol runs on
the reactor it is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pika
from pika.adapters.twisted_connection import TwistedProtocolConnection
from twisted.internet.protocol import connectionDone
from twisted.python.failure import Failure

from xivo.direct_write import no_nagle

__all__ = ["AMQPProtocol"]


class AMQPProtocol(TwistedProtocolConnection):
    """One AMQP connection on ``reactor``; ``made(protocol)`` once the TCP (or TLS)
    connection is up, ``lost(protocol, reason)`` once it is gone."""

    def __init__(
        self,
        parameters: pika.URLParameters,
        reactor: Any,
        made: Callable[[AMQPProtocol], None],
        lost: Callable[[AMQPProtocol, Failure], None],
    ) -> None:
        super().__init__(parameters, custom_reactor=reactor)
        self._made = made
        self._lost = lost

    def connectionMade(self) -> None:
        """No Nagle delay: a change published while an earlier segment is not yet
        acknowledged goes out at once, not after the broker's delayed ACK (up to 40 ms)."""
        no_nagle(self.transport)
        self._made(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        super().connectionLost(reason)
        self._lost(self, reason)
