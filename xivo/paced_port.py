"""``PacedServer``: a TCP (or TLS) listening service accepting under a ``PassBudget``.

Twisted's TCP port accepts, in one reactor pass, as many connections as are waiting (up
to a count that grows by 20 each time it is reached), and each new connection's
``connectionMade`` runs in that pass: a thousand clients reconnecting at once hold the
reactor, and everything sharing it, for the whole batch.  ``pace`` makes such a port
accept one connection at a time while the pass's budget lasts (``items`` connections,
about ``seconds`` of work); the others wait in the listen backlog for the next pass (the
listening socket stays readable), so a pass stays short.  ``PacedServer``'s connections
are ``DirectWriteServer``s: a write with nothing queued before it is sent at once.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import Service
from twisted.internet import tcp
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import Factory
from twisted.internet.ssl import ContextFactory

from xivo.direct_write import DirectWriteServer
from xivo.passes import PassBudget

__all__ = ["PacedServer", "pace"]


def pace(port: tcp.Port, budget: PassBudget) -> None:
    """Make Twisted's TCP ``port`` (as ``listenTCP``/``listenSSL`` return it) accept at
    most ``budget`` connections per reactor pass."""

    def accept_one() -> bool:
        accepted = port.sessionno
        port.numberAccepts = 1
        tcp.Port.doRead(port)
        return port.sessionno != accepted and not port.disconnecting

    def accept() -> None:  # returns nothing: a reactor reads a value as a disconnection
        budget.run(accept_one)

    port.doRead = accept  # type: ignore[method-assign]


class PacedServer(Service):
    """Listens through ``reactor.listenTCP`` (``listenSSL`` when ``tls`` is given) while
    running, the port paced by ``budget`` and its connections writing at once (a reactor
    that returns another kind of port, a test's, is left as it is); a port that cannot
    be opened fails the start."""

    def __init__(
        self, port: int, factory: Factory, budget: PassBudget, *, backlog: int = 50,
        interface: str = "", reactor: Any, tls: ContextFactory | None = None,
    ) -> None:  # fmt: skip
        self.factory = factory
        self.budget = budget
        self.backlog = backlog
        self.port: IListeningPort | None = None
        self._listen = (port, factory, *((tls,) if tls is not None else ()))
        self._interface = interface
        self._reactor = reactor
        self._tls = tls is not None

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        listen = self._reactor.listenSSL if self._tls else self._reactor.listenTCP
        self.port = listen(*self._listen, backlog=self.backlog, interface=self._interface)
        if isinstance(self.port, tcp.Port):
            pace(self.port, self.budget)
            self.port.transport = DirectWriteServer

    def startService(self) -> None:
        super().startService()
        if self.port is None:
            self.privilegedStartService()

    def stopService(self) -> Deferred[Any]:
        super().stopService()
        port, self.port = self.port, None
        return succeed(None) if port is None else maybeDeferred(port.stopListening)
