"""pika's Twisted protocol of the bus: imported only when a connection is dialled, so that
importing xivo-ctid installs no reactor."""

from __future__ import annotations

import subprocess
import sys

import pika
from twisted.internet.error import ConnectionDone
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from xivo_cti.bus._adapter import AMQPProtocol


def test_importing_xivo_ctid_installs_no_reactor():
    """A fresh interpreter importing the daemon, its configuration and the bus has not
    imported the global reactor (twistd --reactor, or a test, may still choose one)."""
    code = (
        "import sys, xivo_cti.service, xivo_cti.config, xivo_cti.bus;"
        "print('twisted.internet.reactor' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


class TCPTransport(StringTransport):
    no_delay = False

    def setTcpNoDelay(self, enabled: bool) -> None:
        self.no_delay = enabled


def test_protocol_tells_its_connection_made_and_lost():
    """The protocol turns Nagle off, writes the AMQP header on the connection it is given
    and tells its owner, by the callables passed in, that it was made and then lost."""
    told: list = []
    protocol = AMQPProtocol(
        pika.URLParameters("amqp://xivo:pw@10.1.2.3/%2F"),
        MemoryReactorClock(),
        lambda p: told.append(("made", p)),
        lambda p, reason: told.append(("lost", p, reason.type)),
    )
    transport = TCPTransport()
    protocol.makeConnection(transport)
    assert told == [("made", protocol)] and transport.no_delay
    assert transport.value().startswith(b"AMQP\x00\x00\x09\x01")
    protocol.connectionLost(Failure(ConnectionDone()))
    assert told[1] == ("lost", protocol, ConnectionDone)
