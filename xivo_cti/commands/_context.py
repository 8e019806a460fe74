"""What every command handler is given: the parts it reads and the Asterisk it acts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xivo_cti.commands._asterisk import Asterisk
from xivo_cti.state import LiveState
from xivo_cti.users import PresenceConfig, UserStatusBook, UserStore
from xivo_cti.views import ListView

__all__ = ["CommandContext"]


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """Shared by every command; ``lists`` answers getlist, ``book`` holds presence,
    ``presences`` are the configured ones (``cti.presences``)."""

    users: UserStore
    state: LiveState
    book: UserStatusBook
    lists: ListView
    asterisk: Asterisk
    ipbxid: str
    originate_timeout: float
    presences: Mapping[str, PresenceConfig]
