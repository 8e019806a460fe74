"""The session interface: what the broadcaster needs of a client, whatever its transport.

The TCP CTI connection (``xivo_cti.cti.CTIProtocol``) is the first implementation; a
WebSocket session or a bus publisher would be others.  A session applies its own
slow-client rules inside ``write_encoded`` (queue while its peer does not read, drop it
past a limit).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["Encoder", "Session"]

Encoder = Callable[[dict[str, Any]], bytes]
"""How a message becomes bytes on the wire (one call per message and audience)."""


class Session(Protocol):
    """A logged-in client the broadcaster writes to."""

    def write_encoded(self, data: bytes) -> None:
        """Send bytes already encoded (shared by every session of one audience)."""
        ...

    def write_chunks(self, chunks: list[bytes]) -> None:
        """Send several such chunks, in order, in one write to the transport."""
        ...
