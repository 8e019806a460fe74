"""The FastAGI listening port and its service, handing out ``WriteThroughConnection``s.

``WriteThroughServer`` is to ``WriteThroughPort`` what ``TCPServer`` is to Twisted's
own TCP port (see ``xivo_agid.fastagi._transport`` for why FastAGI has its own transport).
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet import error
from twisted.internet.abstract import isIPv6Address
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, succeed
from twisted.internet.interfaces import IListeningPort, IReadDescriptor
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure
from zope.interface import implementer

from xivo_agid.fastagi._transport import WriteThroughConnection, tcp_address

__all__ = ["ACCEPTS_PER_PASS", "ACCEPT_PAUSE", "WriteThroughPort", "WriteThroughServer"]

log = Logger(namespace="xivo_agid.fastagi")

ACCEPTS_PER_PASS = 64
"""Most connections accepted per reactor pass, so that a flood cannot hog the loop."""

ACCEPT_PAUSE = 0.1
"""Seconds the port stops accepting after running out of file descriptors or memory."""

_OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})


@implementer(IListeningPort, IReadDescriptor)
class WriteThroughPort:
    """A listening TCP socket whose connections are ``WriteThroughConnection``s.

    Accepts at most ``ACCEPTS_PER_PASS`` connections per reactor pass; out of file
    descriptors or memory it stops accepting for ``ACCEPT_PAUSE`` seconds instead of
    spinning (the pending connections wait in the backlog).  A ``None`` from
    ``factory.buildProtocol`` closes the new connection at once.  ``urgent``: the daemons'
    reactor serves it ahead of other descriptors (a call waits on it).
    """

    urgent = True

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
        self._family = socket.AF_INET
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
        self._socket, self._family = sock, family
        self._host = tcp_address(family, sock.getsockname())
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
        peer = tcp_address(self._family, address)
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
    start).  Stopping closes the port first, then waits for ``drain()`` (the
    connections still open finishing), if given."""

    def __init__(
        self,
        port: int,
        factory: Factory,
        *,
        backlog: int,
        interface: str,
        reactor: Any,
        drain: Callable[[], Deferred[None]] | None = None,
    ) -> None:
        self.listener = WriteThroughPort(
            port, factory, backlog=backlog, interface=interface, reactor=reactor
        )
        """The port, listening while the service runs."""
        self._listening = False
        self._drain = drain

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
        stopped = self.listener.stopListening()
        if self._drain is None:
            return stopped
        return stopped.addCallback(lambda _: self._drain())
