"""Views: what clients see of the live state, users and presence.

``ListView`` answers ``getlist`` requests; ``PushView`` turns changes into the pushes
each audience (the clients following one list) receives; ``StatusWatches`` the status
updates of the ids each session registered for.
"""

from xivo_cti.views._lists import ListView, member_id
from xivo_cti.views._phones import DEVICE_STATE_CODES, phone_status
from xivo_cti.views._pushes import Push, PushView
from xivo_cti.views._watches import (
    WATCH_CLASSES,
    StatusWatches,
    Watcher,
    WatchError,
    numeric_id,
    parse_ids,
)

__all__ = [
    "DEVICE_STATE_CODES",
    "WATCH_CLASSES",
    "ListView",
    "Push",
    "PushView",
    "StatusWatches",
    "WatchError",
    "Watcher",
    "member_id",
    "numeric_id",
    "parse_ids",
    "phone_status",
]
