"""What every client session shares: configuration, users, live state, AMI, fan-out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xivo_cti.cti.broadcaster import Broadcaster
from xivo_cti.cti.config import CTIConfig
from xivo_cti.cti.limits import AddressLimits
from xivo_cti.cti.listview import ListView
from xivo_cti.cti.userstatus import UserStatusBook
from xivo_cti.users.logins import LoginChecks
from xivo_cti.users.store import UserStore

__all__ = ["CTIContext", "Connection"]


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


@dataclass(frozen=True, kw_only=True)
class CTIContext:
    """Shared services of the CTI server; ``ami`` is an ``AMIClientService``; ``tls`` the
    server's TLS options when it offers STARTTLS."""

    config: CTIConfig
    users: UserStore
    state: Any
    ami: Any
    clock: Any
    broadcaster: Broadcaster
    limits: AddressLimits
    book: UserStatusBook
    view: ListView
    logins: LoginChecks
    tls: Any = None
