"""Do-nothing FastAGI servers: the physical limits of the Asterisk rig.

``python trivial_agi.py PORT`` reads the environment block and hangs up the session.
``python trivial_agi.py PORT --set`` also sends the command xivo-agid sends on a match
(one ``EXEC MSet`` of ``CALLERID(name)`` and ``XIVO_DIRECTORY_SOURCE``, byte for byte),
with a fixed name and no lookup: what setting them costs Asterisk, apart from any
directory.
"""

from __future__ import annotations

import sys

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol

SET_COMMANDS = (b'EXEC "MSet" "CALLERID\\\\(name\\\\)=First1 Last1,XIVO_DIRECTORY_SOURCE=crm"\n',)


class NothingAGI(Protocol):
    """Closes the connection as soon as the environment block has arrived."""

    commands: tuple[bytes, ...] = ()

    def connectionMade(self) -> None:
        self._buffer = b""
        self._next = -1  # -1: waiting for the environment block

    def dataReceived(self, data: bytes) -> None:
        self._buffer += data
        if self._next < 0:
            if b"\n\n" not in self._buffer:
                return
            self._buffer = self._buffer.split(b"\n\n", 1)[1]
        else:
            if b"\n" not in self._buffer:
                return
            self._buffer = self._buffer.split(b"\n", 1)[1]
        self._next += 1
        if self._next < len(self.commands):
            self.transport.write(self.commands[self._next])
        else:
            self.transport.loseConnection()


class SetterAGI(NothingAGI):
    """Sends xivo-agid's command of a match, then closes on its reply."""

    commands = SET_COMMANDS


if __name__ == "__main__":
    protocol = SetterAGI if "--set" in sys.argv[2:] else NothingAGI
    reactor.listenTCP(int(sys.argv[1]), Factory.forProtocol(protocol), 1024, "127.0.0.1")
    reactor.run()
