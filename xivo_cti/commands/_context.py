"""What every command handler is given: the parts it reads and the Asterisk it acts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IReactorTime

from xivo_cti.commands._asterisk import Asterisk
from xivo_cti.commands._transfers import AttendedTransfers
from xivo_cti.state import LiveState
from xivo_cti.users import PresenceConfig, StatusChanged, UserStatusBook, UserStore
from xivo_cti.views import ListView

if TYPE_CHECKING:
    from xivo_cti.people import People
    from xivo_cti.userdata import UserData

__all__ = ["CommandContext"]


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """Shared by every command; ``lists`` answers getlist, ``book`` holds presence (the
    logins a command changed in it go to ``status_changed``), ``presences`` are the
    configured ones (``cti.presences``); ``people`` and ``userdata`` answer the contacts
    and history panels (None: those answer ``service_unavailable``), ``transfers`` the
    attended transfers users started."""

    users: UserStore
    state: LiveState
    book: UserStatusBook
    status_changed: StatusChanged
    lists: ListView
    asterisk: Asterisk
    ipbxid: str
    originate_timeout: float
    presences: Mapping[str, PresenceConfig]
    people: People | None = None
    userdata: UserData | None = None
    clock: IReactorTime
    transfers: AttendedTransfers = field(default_factory=AttendedTransfers)
