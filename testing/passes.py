"""Reactor passes on a test clock: ``Clock.advance(0)`` runs the zero-delay calls that
the calls it runs schedule, where a reactor leaves them for its next pass.
``ListeningReactor`` listens on real sockets whose accepts a test dispatches by hand."""

from __future__ import annotations

from twisted.internet import tcp
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock

__all__ = ["ListeningReactor", "RecordingFactory", "next_pass"]


def next_pass(clock: Clock) -> None:
    """Run the calls due now, as one reactor pass does (not those they schedule)."""
    due = [c for c in clock.getDelayedCalls() if c.getTime() <= clock.seconds()]
    for call in due:
        clock.calls.remove(call)
        call.func(*call.args, **call.kw)


class ListeningReactor(MemoryReactorClock):
    """A ``MemoryReactorClock`` whose ``listenTCP`` opens Twisted's real TCP port (bound,
    listening, never polled: each ``port.doRead()`` is one reactor pass's accepts)."""

    def listenTCP(
        self, port: int, factory: Factory, backlog: int = 50, interface: str = ""
    ) -> tcp.Port:
        listening = tcp.Port(port, factory, backlog, interface, self)
        listening.startListening()
        return listening


class RecordingFactory(Factory):
    """A factory of plain protocols that keeps each one it made, in order."""

    def __init__(self) -> None:
        self.made: list[Protocol] = []

    def buildProtocol(self, addr: object) -> Protocol:
        protocol = Protocol()
        self.made.append(protocol)
        return protocol
