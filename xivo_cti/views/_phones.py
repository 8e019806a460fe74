"""The phones list's live status: the line's extension state and channels, and for the web
panel each call of the line."""

from __future__ import annotations

from typing import Any

from xivo_cti.state import Channel, LiveState, known
from xivo_cti.users import User

__all__ = ["CALL_STATES", "DEVICE_STATE_CODES", "call_summary", "phone_status"]

#: Device state names to the extension-state codes clients know (used without a hint).
DEVICE_STATE_CODES = {
    "NOT_INUSE": 0,
    "INUSE": 1,
    "BUSY": 2,
    "UNAVAILABLE": 4,
    "INVALID": 4,
    "RINGING": 8,
    "RINGINUSE": 9,
    "ONHOLD": 16,
}


def phone_status(user: User, state: LiveState, *, calls: bool = False) -> dict[str, Any]:
    """The ``updatestatus`` body of a user's phone; with ``calls``, each call of the line
    (the web panel's call lists: bigger pushes, and one more per call as it is answered,
    so only when the panel is served)."""
    hint = state.hints.get((user.extension, user.context))
    if hint is not None:
        code = hint.status
    else:
        device_state = state.devices.get(user.line)
        code = DEVICE_STATE_CODES.get(device_state, -1) if device_state else -1
    uniqueids = state.channels_of(user.line)
    if not calls:
        return {"hintstatus": str(code), "channels": uniqueids}
    channels = state.channels
    summaries = [
        call_summary(channels[u])
        for u in uniqueids
        if u in channels and not channels[u].name.endswith(";2")  # a Local line's inner half
    ]
    return {"hintstatus": str(code), "channels": uniqueids, "calls": summaries}


#: Asterisk channel states (``ChannelState``) in the panel's words; others are "dialing".
CALL_STATES = {5: "ringing", 6: "up"}


def call_summary(channel: Channel) -> dict[str, Any]:
    """One channel of a phone as the web panel shows it: its state (``ringing``, ``up``,
    ``held``, ``dialing``), the other party as Asterisk's connected line names it (the
    caller's looked-up name on an incoming call) and when it began (epoch)."""
    state = "held" if channel.on_hold else CALL_STATES.get(channel.state, "dialing")
    return {
        "uniqueid": channel.uniqueid,
        "state": state,
        "peer_name": known(channel.connected_name),
        "peer_num": known(channel.connected_num),
        "since": channel.created,
    }
