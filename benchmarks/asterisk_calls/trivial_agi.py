"""A FastAGI server that does nothing: reads the environment block and hangs up the session.

The physical limit of the Asterisk rig: ``python trivial_agi.py PORT``.
"""

from __future__ import annotations

import sys

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol


class NothingAGI(Protocol):
    """Closes the connection as soon as the environment block has arrived."""

    def connectionMade(self) -> None:
        self._buffer = b""

    def dataReceived(self, data: bytes) -> None:
        self._buffer += data
        if b"\n\n" in self._buffer:
            self.transport.loseConnection()


if __name__ == "__main__":
    reactor.listenTCP(int(sys.argv[1]), Factory.forProtocol(NothingAGI), 1024, "127.0.0.1")
    reactor.run()
