"""``HistoryRecorder``: the live state's channel changes -> one history row per user and call.

A user takes part in a call through the channels of its line on its ipbx
(``PJSIP/alice-0001``, or both halves of a ``Local/`` line; the same name on another
ipbx is another line); the first of them in a call (same Linkedid) says
how: the call's first channel means the user called (sent), any other that the user
was called (received if that channel was answered, else missed).  The row is made when
the user's last channel of the call hangs up, with the name and number Asterisk
reported: the connected line of that channel (for a received call, the caller's
``CALLERID``), for a sent call the extension dialled, which the channel's last picture
gives even when no Dial followed (a call into an application, or one that failed).  A
click-to-dial's channel is connected to the user itself (the Originate's caller id):
that number and name are not the other party's, a name the dialplan set instead is.
Pure: no I/O, the time is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from xivo_cti.state import Change, Channel, ChannelRemoved, ChannelUpdated, channel_device, known
from xivo_cti.userdata import MISSED, RECEIVED, SENT, HistoryRow
from xivo_cti.users import User

__all__ = ["HistoryRecorder", "LineOwner", "line_owners"]

UP = 6
"""Asterisk's channel state of an answered channel."""
_NOT_A_NUMBER = frozenset({"", "s", "h", "i", "t", "<unknown>"})


@dataclass(frozen=True, slots=True)
class LineOwner:
    """Who owns a line: its user's login, own extension and name."""

    login: str
    extension: str
    name: str = ""


Line = tuple[str, str]
"""A line: its ipbx and device (``("xivo", "PJSIP/alice")``)."""


def line_owners(users: Iterable[User], ipbx_of: Callable[[User], str]) -> dict[Line, LineOwner]:
    """The owner of each user's line, by ipbx and device."""
    return {
        (ipbx_of(user), user.line): LineOwner(user.login, user.extension, user.fullname)
        for user in users
    }


@dataclass(slots=True)
class _Leg:
    """One user's part in one call, while it lasts."""

    login: str
    own: str
    own_name: str
    sent: bool
    primary: str
    calldate: float
    channels: set[str] = field(default_factory=set)
    answered: float | None = None
    extension: str = ""
    fullname: str = ""


class HistoryRecorder:
    """Follows the channels of users' lines; ``changed`` returns a row when a call ends."""

    def __init__(self, owners: Mapping[Line, LineOwner] | None = None) -> None:
        self._owners: Mapping[Line, LineOwner] = owners or {}
        self._legs: dict[tuple[str, str], _Leg] = {}
        self._leg_of: dict[tuple[str, str], tuple[str, str]] = {}
        self._others: set[tuple[str, str]] = set()

    def set_owners(self, owners: Mapping[Line, LineOwner]) -> None:
        """The lines of the users, by ipbx and device; for the next channels."""
        self._owners = owners
        self._others.clear()

    def changed(self, change: Change, now: float, ipbx: str) -> HistoryRow | None:
        """Follow one change of the live state of ``ipbx``; the history row of a call that
        ended."""
        if type(change) is ChannelUpdated:
            self._updated(ipbx, change.channel, now)
        elif type(change) is ChannelRemoved:
            return self._removed((ipbx, change.uniqueid), change.channel, now)
        return None

    def _updated(self, ipbx: str, channel: Channel, now: float) -> None:
        uniqueid = channel.uniqueid
        key = self._leg_of.get((ipbx, uniqueid))
        if key is None:
            if (ipbx, uniqueid) in self._others:
                return
            owner = self._owners.get((ipbx, channel_device(channel.name)))
            if owner is None:
                self._others.add((ipbx, uniqueid))
                return
            key = (owner.login, channel.linkedid)
            leg = self._legs.get(key)
            if leg is None:
                leg = _Leg(owner.login, owner.extension, owner.name, uniqueid == channel.linkedid,
                           uniqueid, channel.created)  # fmt: skip
                self._legs[key] = leg
            elif uniqueid == channel.linkedid:  # the call's first channel, seen late
                leg.sent, leg.primary = True, uniqueid
            leg.channels.add(uniqueid)
            self._leg_of[ipbx, uniqueid] = key
        leg = self._legs[key]
        if uniqueid == leg.primary:
            _refresh(leg, channel, now)

    def _removed(self, at: tuple[str, str], channel: Channel, now: float) -> HistoryRow | None:
        key = self._leg_of.pop(at, None)
        if key is None:
            self._others.discard(at)
            return None
        uniqueid = at[1]
        leg = self._legs[key]
        if uniqueid == leg.primary:
            _refresh(leg, channel, now)  # its last picture
        leg.channels.discard(uniqueid)
        if leg.channels:
            return None
        del self._legs[key]
        return _row(leg, now)


def _refresh(leg: _Leg, channel: Channel, now: float) -> None:
    """Take the answer time, name and number from the leg's first channel."""
    if leg.answered is None and channel.state == UP:
        leg.answered = now
    number, name = known(channel.connected_num), known(channel.connected_name)
    if number and number == leg.own:  # the user itself: an Originate's caller id
        number = ""
        if name == leg.own_name:
            name = ""
    if name:
        leg.fullname = name
    if not leg.sent:
        if number:
            leg.extension = number
    elif channel.exten not in _NOT_A_NUMBER and channel.exten != leg.own:
        leg.extension = channel.exten
    elif not leg.extension and number != leg.own:
        leg.extension = number


def _row(leg: _Leg, now: float) -> HistoryRow:
    if leg.sent:
        mode = SENT
    else:
        mode = RECEIVED if leg.answered is not None else MISSED
    talked = now - leg.answered if leg.answered is not None and mode != MISSED else 0.0
    return HistoryRow(
        login=leg.login, calldate=leg.calldate, mode=mode, extension=leg.extension,
        fullname=leg.fullname, duration=max(int(talked), 0),
    )  # fmt: skip
