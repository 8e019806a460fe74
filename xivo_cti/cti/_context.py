"""What every client session shares: configuration, users, commands, fan-out, limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.internet.ssl import CertificateOptions

from xivo.passes import PassQueue
from xivo_cti.commands import Commands
from xivo_cti.cti._chat import Sessions
from xivo_cti.cti._config import CTIConfig
from xivo_cti.cti._limits import AddressLimits
from xivo_cti.delivery import Broadcaster
from xivo_cti.metrics import CtidMetrics
from xivo_cti.users import LoginChecks, StatusChanged, UserStatusBook, UserStore
from xivo_cti.views import ListView, StatusWatches

__all__ = ["CTIContext", "Connection", "GoneConnection"]


class Connection:
    """What a session may do with its connection (implemented by ``CTIProtocol``)."""

    peer: str

    def send(self, message: dict[str, Any]) -> None:
        """Encode and send one message to this client."""
        raise NotImplementedError

    def write_encoded(self, data: bytes) -> None:
        """Send bytes already encoded (a broadcast)."""
        raise NotImplementedError

    def login_finished(self) -> None:
        """Stop the login timer."""
        raise NotImplementedError

    def close(self, reason: str) -> None:
        """Disconnect this client."""
        raise NotImplementedError


class GoneConnection(Connection):
    """A lost connection as its session keeps it: late replies go nowhere, and nothing
    refers back to the protocol (no reference cycle: it is freed at once, not by the
    garbage collector's next full pass)."""

    def __init__(self, peer: str) -> None:
        self.peer = peer

    def send(self, message: dict[str, Any]) -> None:
        """Dropped."""

    def write_encoded(self, data: bytes) -> None:
        """Dropped."""

    def login_finished(self) -> None:
        """Nothing to stop."""

    def close(self, reason: str) -> None:
        """Already closed."""


@dataclass(frozen=True, kw_only=True)
class CTIContext:
    """Shared parts of the CTI server, built by ``xivo_cti.app.wire_cti``; the logins whose
    status a session changed in ``book`` go to ``status_changed`` (a ``StatusBatch``: at
    most every ``status_push_interval``, logins come in storms); ``passes`` runs login
    and disconnect work under the per-pass budget; ``tls`` the server's TLS options when
    it offers STARTTLS; ``sessions`` the logged-in connections of each user (chitchat)."""

    config: CTIConfig
    clock: IReactorTime
    users: UserStore
    book: UserStatusBook
    status_changed: StatusChanged
    commands: Commands
    broadcaster: Broadcaster
    watches: StatusWatches
    lists: ListView
    limits: AddressLimits
    metrics: CtidMetrics
    logins: LoginChecks
    passes: PassQueue
    tls: CertificateOptions | None = None
    sessions: Sessions = field(default_factory=Sessions)
