"""Views: what clients see of the live state, users and presence.

``ListView`` answers ``getlist`` requests; ``PushView`` turns changes into the pushes
each audience (the clients following one list) receives.
"""

from xivo_cti.views._lists import DEVICE_STATE_CODES, ListView, member_id, phone_status
from xivo_cti.views._pushes import Push, PushView

__all__ = ["DEVICE_STATE_CODES", "ListView", "Push", "PushView", "member_id", "phone_status"]
