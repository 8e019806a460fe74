"""What every command handler is given: the parts it reads and the Asterisk servers (one
per ipbx) it acts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from twisted.internet.interfaces import IReactorTime

from xivo_cti._errors import CommandError
from xivo_cti.commands._asterisk import Asterisk
from xivo_cti.commands._transfers import AttendedTransfers
from xivo_cti.state import LiveState
from xivo_cti.users import PresenceConfig, StatusChanged, User, UserStatusBook, UserStore
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
    attended transfers users started.  ``lists`` holds the live state of each ipbx (and
    which is the default one), ``asterisks`` the Asterisk of each."""

    users: UserStore
    book: UserStatusBook
    status_changed: StatusChanged
    lists: ListView
    asterisks: Mapping[str, Asterisk]
    originate_timeout: float
    presences: Mapping[str, PresenceConfig]
    people: People | None = None
    userdata: UserData | None = None
    clock: IReactorTime
    transfers: AttendedTransfers = field(default_factory=AttendedTransfers)

    def state_of(self, ipbx: str) -> LiveState:
        """The live state of ``ipbx``; ``CommandError("unknown_ipbx")`` if there is none."""
        state = self.lists.states.get(ipbx)
        if state is None:
            raise CommandError("unknown_ipbx")
        return state

    def asterisk_of(self, ipbx: str) -> Asterisk:
        """The Asterisk of ``ipbx``; ``CommandError("unknown_ipbx")`` if there is none."""
        asterisk = self.asterisks.get(ipbx)
        if asterisk is None:
            raise CommandError("unknown_ipbx")
        return asterisk

    def home(self, user: User) -> tuple[str, LiveState, Asterisk]:
        """The ipbx of the user's line, its live state and its Asterisk."""
        ipbx = self.lists.ipbx_of(user)
        return ipbx, self.state_of(ipbx), self.asterisk_of(ipbx)
