"""A TCP server transport for short request/reply connections: writes go straight out.

Twisted's TCP transport hands every write to the reactor's next write pass: an
``epoll_ctl`` to watch the socket for writability, one more reactor pass, a second
``epoll_ctl`` to stop watching; and ``loseConnection`` waits for yet another pass.
A FastAGI request is a handful of small writes, each answered by Asterisk before the
next, on a connection that lives for one call.  Here a write is sent at once when
nothing is queued before it (only a remainder the kernel did not take waits for
writability), and closing with nothing queued closes at once: per request that is
three reactor passes instead of six, about 27 µs of CPU less (``docs/benchmarks.md``).

Built only on the reactor's public ``IReactorFDSet`` and ``IReactorTime``; the
listening side is ``xivo_agid.fastagi._listener``.
"""

from __future__ import annotations

import socket
from typing import Any

from twisted.internet import error
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IReadWriteDescriptor, ITransport
from twisted.internet.protocol import Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

__all__ = ["WriteThroughConnection", "tcp_address"]

log = Logger(namespace="xivo_agid.fastagi")

READ_SIZE = 65536
"""Most bytes read from a connection per reactor pass."""


def tcp_address(family: int, address: tuple) -> IPv4Address | IPv6Address:
    """The Twisted address of a socket address of ``family`` (``AF_INET6``: IPv6)."""
    kind = IPv6Address if family == socket.AF_INET6 else IPv4Address
    return kind("TCP", address[0], address[1])


@implementer(ITransport, IReadWriteDescriptor)
class WriteThroughConnection:
    """One accepted connection driving ``protocol``.

    ``write`` sends at once when nothing is queued; whatever the kernel does not take
    is queued and sent when the socket is writable, in order.  ``loseConnection``
    closes once the queue is empty.  The protocol's ``connectionLost`` is always
    called from a later reactor pass, never from inside ``write`` or
    ``loseConnection`` (at the earliest when the current ``dataReceived`` returns), with
    ``ConnectionDone`` for a clean close by either side and
    ``ConnectionLost`` for an error.  ``urgent``: the daemons' reactor serves it ahead of
    other descriptors (a call waits on it).
    """

    urgent = True

    def __init__(
        self,
        sock: socket.socket,
        protocol: Protocol,
        reactor: Any,
        peer: IPv4Address | IPv6Address,
        listening: IPv4Address | IPv6Address,
    ) -> None:
        self._socket = sock
        self._fd = sock.fileno()
        self._reactor = reactor
        self.protocol = protocol
        self._peer = peer
        self._listening = listening
        self._local: IPv4Address | IPv6Address | None = None
        self._queued = b""
        self._writing = False
        self.disconnecting = False
        """True once ``loseConnection`` was called or the connection is gone."""
        self._closed = False
        self._reading = False
        self._loss: Failure | None = None  # to report at the end of doRead

    # IReadWriteDescriptor, called by the reactor.

    def fileno(self) -> int:
        return self._fd

    def logPrefix(self) -> str:
        return self.protocol.__class__.__name__

    def doRead(self) -> None:
        try:
            data = self._socket.recv(READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._close(Failure(error.ConnectionLost(e.strerror)), report_now=True)
            return
        if not data:
            self._close(Failure(error.ConnectionDone("the peer closed")), report_now=True)
        elif not self.disconnecting:
            self._reading = True
            try:
                self.protocol.dataReceived(data)
            finally:
                self._reading = False
                loss, self._loss = self._loss, None
                if loss is not None:  # closed while handling the data: report it now
                    self._report(loss)

    def doWrite(self) -> None:
        self._send()
        if not self._queued and not self._closed:
            self._reactor.removeWriter(self)
            self._writing = False
            if self.disconnecting:
                self._close(Failure(error.ConnectionDone("closed by this side")), report_now=True)

    def connectionLost(self, reason: Failure) -> None:
        """Called by the reactor when it drops the descriptor (e.g. at shutdown)."""
        self._close(reason, report_now=True)

    # ITransport, called by the protocol.

    def write(self, data: bytes) -> None:
        if self.disconnecting or not data:
            return
        if self._queued:
            self._queued += data
            return
        self._queued = data
        self._send()
        if self._queued and not self._writing and not self._closed:
            self._writing = True
            self._reactor.addWriter(self)

    def writeSequence(self, data: list[bytes]) -> None:
        self.write(b"".join(data))

    def loseConnection(self) -> None:
        """Close once everything written so far is sent."""
        if self.disconnecting:
            return
        self.disconnecting = True
        if not self._queued:
            self._close(Failure(error.ConnectionDone("closed by this side")))

    def abortConnection(self) -> None:
        """Close at once, dropping what is still queued."""
        self.disconnecting = True
        self._queued = b""
        self._close(Failure(error.ConnectionAborted("aborted by this side")))

    def getPeer(self) -> IPv4Address | IPv6Address:
        return self._peer

    def getHost(self) -> IPv4Address | IPv6Address:
        """This side's address (the port's, once the connection is closed)."""
        if self._local is None:
            try:
                self._local = tcp_address(self._socket.family, self._socket.getsockname())
            except OSError:
                return self._listening
        return self._local

    # Internals.

    def _send(self) -> None:
        """Send as much of the queue as the kernel takes; close on a socket error."""
        if self._closed:
            return
        try:
            sent = self._socket.send(self._queued)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as e:
            self._queued = b""
            self.disconnecting = True
            self._close(Failure(error.ConnectionLost(e.strerror)))
            return
        self._queued = self._queued[sent:]

    def _close(self, reason: Failure, *, report_now: bool = False) -> None:
        if self._closed:
            return
        self._closed = True
        self.disconnecting = True
        self._reactor.removeReader(self)
        if self._writing:
            self._reactor.removeWriter(self)
            self._writing = False
        self._socket.close()
        self._fd = -1
        if self._reading:
            self._loss = reason
        elif report_now:
            self._report(reason)
        else:
            self._reactor.callLater(0, self._report, reason)

    def _report(self, reason: Failure) -> None:
        protocol, self.protocol = self.protocol, None
        try:
            protocol.connectionLost(reason)
        except Exception:
            log.failure("connectionLost of {protocol} failed", protocol=protocol)
