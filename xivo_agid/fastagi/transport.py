"""A TCP server transport for short request/reply connections: writes go straight out.

Twisted's TCP transport hands every write to the reactor's next write pass: an
``epoll_ctl`` to watch the socket for writability, one more reactor pass, a second
``epoll_ctl`` to stop watching; and ``loseConnection`` waits for yet another pass.
A FastAGI request is a handful of small writes, each answered by Asterisk before the
next, on a connection that lives for one call.  Here a write is sent at once when
nothing is queued before it (only a remainder the kernel did not take waits for
writability), and closing with nothing queued closes at once: per request that is
three reactor passes instead of six, about 27 µs of CPU less (``docs/benchmarks.md``).

Built only on the reactor's public ``IReactorFDSet`` and ``IReactorTime``;
``WriteThroughServer`` is the service, as ``TCPServer`` is for Twisted's transport.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from twisted.application.service import Service
from twisted.internet import error
from twisted.internet.abstract import isIPv6Address
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import (
    IListeningPort,
    IReadDescriptor,
    IReadWriteDescriptor,
    ITransport,
)
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

__all__ = ["WriteThroughConnection", "WriteThroughPort", "WriteThroughServer"]

log = Logger(namespace="xivo_agid.fastagi")

READ_SIZE = 65536
"""Most bytes read from a connection per reactor pass."""

ACCEPTS_PER_PASS = 64
"""Most connections accepted per reactor pass, so that a flood cannot hog the loop."""

ACCEPT_PAUSE = 0.1
"""Seconds the port stops accepting after running out of file descriptors or memory."""

_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


def _address(host: str, port: int) -> IPv4Address | IPv6Address:
    if isIPv6Address(host):
        return IPv6Address("TCP", host, port)
    return IPv4Address("TCP", host, port)


@implementer(ITransport, IReadWriteDescriptor)
class WriteThroughConnection:
    """One accepted connection driving ``protocol``.

    ``write`` sends at once when nothing is queued; whatever the kernel does not take
    is queued and sent when the socket is writable, in order.  ``loseConnection``
    closes once the queue is empty.  The protocol's ``connectionLost`` is always
    called from a later reactor pass, never from inside ``write`` or
    ``loseConnection`` (at the earliest when the current ``dataReceived`` returns), with
    ``ConnectionDone`` for a clean close by either side and
    ``ConnectionLost`` for an error.
    """

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
                self._local = _address(*self._socket.getsockname()[:2])
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


@implementer(IListeningPort, IReadDescriptor)
class WriteThroughPort:
    """A listening TCP socket whose connections are ``WriteThroughConnection``s.

    Accepts at most ``ACCEPTS_PER_PASS`` connections per reactor pass; out of file
    descriptors or memory it stops accepting for ``ACCEPT_PAUSE`` seconds instead of
    spinning (the pending connections wait in the backlog).  A ``None`` from
    ``factory.buildProtocol`` closes the new connection at once.
    """

    def __init__(
        self, port: int, factory: Factory, *, backlog: int, interface: str, reactor: Any
    ) -> None:
        self.port = port
        """The port asked for (0: any free port; ``getHost`` gives the one bound)."""
        self.factory = factory
        self.backlog = backlog
        self.interface = interface
        self._reactor = reactor
        self._socket: socket.socket | None = None
        self._host: IPv4Address | IPv6Address | None = None
        self._resume: Any = None

    def startListening(self) -> None:
        family = socket.AF_INET6 if isIPv6Address(self.interface) else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.interface, self.port))
            sock.listen(self.backlog)
        except OSError as e:
            sock.close()
            raise error.CannotListenError(self.interface, self.port, e) from e
        sock.setblocking(False)
        self._socket = sock
        self._host = _address(*sock.getsockname()[:2])
        self.factory.doStart()
        self._reactor.addReader(self)
        log.info("FastAGI listening on {host}:{port}", host=self._host.host, port=self._host.port)

    def stopListening(self) -> Deferred[None]:
        """Stop accepting; open connections carry on."""
        if self._socket is not None:
            self._reactor.removeReader(self)
            self._cancel_resume()
            self._socket.close()
            self._socket = None
            self.factory.doStop()
        return succeed(None)

    def getHost(self) -> IPv4Address | IPv6Address:
        assert self._host is not None, "not listening"
        return self._host

    def fileno(self) -> int:
        return self._socket.fileno() if self._socket is not None else -1

    def logPrefix(self) -> str:
        return self.factory.__class__.__name__

    def connectionLost(self, reason: Failure) -> None:
        """Called by the reactor when it drops the descriptor (e.g. at shutdown)."""
        self.stopListening()

    def doRead(self) -> None:
        for _ in range(ACCEPTS_PER_PASS):
            if self._socket is None:  # stopped by a protocol of this pass
                return
            try:
                sock, address = self._socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in _OUT_OF_RESOURCES:
                    self._pause(e)
                    return
                continue  # the connection died in the backlog (ECONNABORTED...): next one
            try:
                self._connected(sock, address)
            except Exception:
                sock.close()
                log.failure("FastAGI could not set up the connection from {peer}", peer=address)

    def _connected(self, sock: socket.socket, address: tuple) -> None:
        sock.setblocking(False)
        peer = _address(address[0], address[1])
        protocol = self.factory.buildProtocol(peer)
        if protocol is None:
            sock.close()
            return
        connection = WriteThroughConnection(sock, protocol, self._reactor, peer, self._host)
        protocol.makeConnection(connection)
        if not connection.disconnecting:
            self._reactor.addReader(connection)

    def _pause(self, reason: OSError) -> None:
        log.warn(
            "FastAGI cannot accept connections ({error}): pausing {seconds}s",
            error=reason.strerror,
            seconds=ACCEPT_PAUSE,
        )
        self._reactor.removeReader(self)
        self._resume = self._reactor.callLater(ACCEPT_PAUSE, self._resume_accepting)

    def _resume_accepting(self) -> None:
        self._resume = None
        if self._socket is not None:
            self._reactor.addReader(self)

    def _cancel_resume(self) -> None:
        if self._resume is not None and self._resume.active():
            self._resume.cancel()
        self._resume = None


class WriteThroughServer(Service):
    """A service listening with a ``WriteThroughPort`` (like ``TCPServer``: the port is
    opened in ``privilegedStartService``, and a port that cannot be opened fails the
    start)."""

    def __init__(
        self, port: int, factory: Factory, *, backlog: int, interface: str, reactor: Any
    ) -> None:
        self.listener = WriteThroughPort(
            port, factory, backlog=backlog, interface=interface, reactor=reactor
        )
        """The port, listening while the service runs."""
        self._listening = False

    def privilegedStartService(self) -> None:
        super().privilegedStartService()
        self.listener.startListening()
        self._listening = True

    def startService(self) -> None:
        super().startService()
        if not self._listening:
            self.privilegedStartService()

    def stopService(self) -> Deferred[None]:
        super().stopService()
        if not self._listening:
            return succeed(None)
        self._listening = False
        return self.listener.stopListening()
