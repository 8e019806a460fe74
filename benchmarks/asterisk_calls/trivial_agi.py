"""Do-nothing FastAGI servers: the physical limits of the Asterisk rig.

``python trivial_agi.py PORT`` reads the environment block and hangs up the session.
``python trivial_agi.py PORT --set`` also sends the command xivo-agid sends on a match
(one ``EXEC MSet`` of ``CALLERID(name)`` and ``XIVO_DIRECTORY_SOURCE``, byte for byte)
and, as xivo-agid, closes once it is written, without waiting for the reply; with a fixed
name and no lookup: what setting them costs Asterisk, apart from any directory.
"""

from __future__ import annotations

import sys

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol

SET_COMMANDS = (b'EXEC "MSet" "CALLERID\\\\(name\\\\)=First1 Last1,XIVO_DIRECTORY_SOURCE=crm"\n',)


class NothingAGI(Protocol):
    """Writes ``commands`` and closes as soon as the environment block has arrived."""

    commands: tuple[bytes, ...] = ()

    def connectionMade(self) -> None:
        self._buffer = b""

    def dataReceived(self, data: bytes) -> None:
        self._buffer += data
        if b"\n\n" in self._buffer:
            self.transport.write(b"".join(self.commands))
            self.transport.loseConnection()


class SetterAGI(NothingAGI):
    """Sends xivo-agid's command of a match, then closes."""

    commands = SET_COMMANDS


if __name__ == "__main__":
    protocol = SetterAGI if "--set" in sys.argv[2:] else NothingAGI
    reactor.listenTCP(int(sys.argv[1]), Factory.forProtocol(protocol), 1024, "127.0.0.1")
    reactor.run()
