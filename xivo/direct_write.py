"""``DirectWriteServer``: Twisted's server-side TCP connection, a write sent at once.

Twisted's TCP transport queues every write for the reactor: an ``epoll_ctl`` to watch
the socket for writability, then the send when epoll hands the socket back, behind
whatever else is ready (a fan-out's thousand writable clients), then a second
``epoll_ctl``.  Here a write is sent in the call when nothing is queued before it; only
what the kernel does not take is queued, in order, on Twisted's own path (buffer,
producer pause, writability), as is every write while bytes wait.  So a reply to a
client goes out when it is made, and a fan-out's sends are made where its per-pass
budget hands them out, without the two ``epoll_ctl`` calls each.

Not sent at once: writes on a connection that started TLS in place (``startTLS``: the
TLS layer writes on Twisted's path), that is closing (or half-closing), or that failed (a send error
leaves the bytes queued: the reactor's next write reports the loss, as before).
Relies on ``FileDescriptor``'s buffer attributes, stable since Twisted 12.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import tcp

__all__ = ["DirectWriteServer", "no_nagle"]


def no_nagle(transport: Any) -> None:
    """Turn Nagle's algorithm off on ``transport`` where it is TCP: a small write made
    while an earlier one is not yet acknowledged goes out at once instead of waiting for
    the peer's ACK (up to its 40 ms delayed ACK)."""
    set_no_delay = getattr(transport, "setTcpNoDelay", None)
    if set_no_delay is not None:
        set_no_delay(True)


class DirectWriteServer(tcp.Server):
    """An accepted TCP connection whose writes go straight to the socket when idle; a
    listening ``tcp.Port`` makes them when its ``transport`` is this class."""

    def write(self, data: bytes) -> None:
        """Send ``data`` now if nothing waits before it; queue what is left."""
        if (
            self.TLS
            or self._tempDataLen
            or self.offset < len(self.dataBuffer)
            or not self.connected
            or self.disconnecting
            or self._writeDisconnecting
            or not data
            or not isinstance(data, bytes)
        ):
            super().write(data)
            return
        sent = self.writeSomeData(data)
        if isinstance(sent, int) and sent > 0:
            if sent == len(data):
                return
            data = data[sent:]
        super().write(data)

    def writeSequence(self, iovec: list[bytes]) -> None:
        """Write the chunks as one."""
        self.write(b"".join(iovec))
