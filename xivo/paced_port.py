"""``PacedServer``: a TCP (or TLS) listening service accepting under a ``PassBudget``.

Twisted's TCP port accepts, in one reactor pass, as many connections as are waiting (up
to a count that grows by 20 each time it is reached), and each new connection's
``connectionMade`` runs in that pass: a thousand clients reconnecting at once hold the
reactor, and everything sharing it, for the whole batch.  ``PacedPort`` accepts one
connection at a time while the pass's budget lasts (``items`` connections, about
``seconds`` of work); the others wait in the listen backlog for the next pass (the
listening socket stays readable), so the connections accepted are paced pass by pass
and a pass stays short.
"""

from __future__ import annotations

from typing import Any

from twisted.application.service import Service
from twisted.internet import tcp
from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IReactorTCP
from twisted.internet.protocol import Factory
from twisted.internet.ssl import ContextFactory
from twisted.protocols.tls import TLSMemoryBIOFactory

from xivo.passes import PassBudget

__all__ = ["PacedPort", "PacedServer"]


class PacedPort(tcp.Port):
    """Twisted's TCP port, accepting at most a ``budget`` of connections per pass."""

    def __init__(
        self, port: int, factory: Factory, budget: PassBudget, *, backlog: int,
        interface: str, reactor: IReactorTCP,
    ) -> None:  # fmt: skip
        super().__init__(port, factory, backlog, interface, reactor)
        self.budget = budget

    def doRead(self) -> None:
        """Accept one connection at a time while the budget lasts."""
        self.budget.run(self._accept_one)

    def _accept_one(self) -> bool:
        accepted = self.sessionno
        self.numberAccepts = 1
        super().doRead()
        return self.sessionno != accepted and not self.disconnecting


class PacedServer(Service):
    """Listens with a ``PacedPort`` while running (TLS from the first byte when ``tls``
    is given); a port that cannot be opened fails the start."""

    def __init__(
        self, port: int, factory: Factory, budget: PassBudget, *, backlog: int = 50,
        interface: str = "", reactor: IReactorTCP, tls: ContextFactory | None = None,
    ) -> None:  # fmt: skip
        self.factory = factory
        served = factory if tls is None else TLSMemoryBIOFactory(tls, False, factory)
        self.port = PacedPort(
            port, served, budget, backlog=backlog, interface=interface, reactor=reactor
        )
        self._listening = False

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        self.port.startListening()
        self._listening = True

    def startService(self) -> None:
        super().startService()
        if not self._listening:
            self.privilegedStartService()

    def stopService(self) -> Deferred[Any]:
        super().stopService()
        if not self._listening:
            return succeed(None)
        self._listening = False
        return maybeDeferred(self.port.stopListening)
