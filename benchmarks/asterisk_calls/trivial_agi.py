"""Do-nothing FastAGI servers: the physical limits of the Asterisk rig.

``python trivial_agi.py PORT`` reads the environment block and hangs up the session.
``python trivial_agi.py PORT setter`` also sends the command xivo-agid sends on a match
(one ``SET VARIABLE`` of ``CALLERID(name)``, byte for byte) and, as xivo-agid, closes once
it is written, without waiting for the reply; with a fixed name and no lookup: what
setting it costs Asterisk, apart from any directory.  ``setter-source`` sends what
xivo-agid sends when the dialplan asks for the source too (one ``EXEC MSet`` of the name
and ``XIVO_DIRECTORY_SOURCE``).  The other names of ``SERVERS`` send other commands
(``commands.py`` compares them).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol

MSET = b'EXEC "MSet" "CALLERID\\\\(name\\\\)=First1 Last1,XIVO_DIRECTORY_SOURCE=crm"\n'
SET_NAME = b'SET VARIABLE "CALLERID(name)" "First1 Last1"\n'


@dataclass(frozen=True)
class Commands:
    """What a server sends once the environment has arrived, and whether it waits for
    each reply before the next command and before closing."""

    lines: tuple[bytes, ...] = ()
    waits: bool = False


SERVERS = {
    "trivial": Commands(),
    "setter": Commands((SET_NAME,)),
    "setter-source": Commands((MSET,)),
    "setter-source-waiting": Commands((MSET,), waits=True),
    "name-only-mset": Commands((b'EXEC "MSet" "CALLERID\\\\(name\\\\)=First1 Last1"\n',)),
    "two-set-variables": Commands(
        (SET_NAME, b'SET VARIABLE "XIVO_DIRECTORY_SOURCE" "crm"\n'), waits=True
    ),
    "noop": Commands((b"NOOP\n",)),
}


class CommandsAGI(Protocol):
    """Sends ``commands`` once the environment block has arrived, then closes."""

    commands = Commands()

    def connectionMade(self) -> None:
        self._buffer = b""
        self._next = -1  # -1: waiting for the environment block

    def dataReceived(self, data: bytes) -> None:
        self._buffer += data
        end = b"\n\n" if self._next < 0 else b"\n"
        if end not in self._buffer:
            return
        self._buffer = self._buffer.split(end, 1)[1]
        lines = self.commands.lines
        if not self.commands.waits:
            self.transport.write(b"".join(lines))
            self.transport.loseConnection()
            return
        self._next += 1
        if self._next < len(lines):
            self.transport.write(lines[self._next])
        else:
            self.transport.loseConnection()


if __name__ == "__main__":
    name = sys.argv[2] if len(sys.argv) > 2 else "trivial"
    protocol = type("Server", (CommandsAGI,), {"commands": SERVERS[name]})
    reactor.listenTCP(int(sys.argv[1]), Factory.forProtocol(protocol), 1024, "127.0.0.1")
    reactor.run()
