"""Entities of the live telephony state: frozen dataclasses, replaced on change."""

from __future__ import annotations

from dataclasses import dataclass

#: Agent statuses: Asterisk's three (Agents action) plus ``AGENT_RINGING`` (ours,
#: between AgentCalled and AgentConnect/AgentRingNoAnswer).
AGENT_LOGGEDOFF = "AGENT_LOGGEDOFF"
AGENT_IDLE = "AGENT_IDLE"
AGENT_RINGING = "AGENT_RINGING"
AGENT_ONCALL = "AGENT_ONCALL"

#: Hint status Asterisk uses for a hint that no longer exists.
HINT_REMOVED = -2


def channel_device(name: str) -> str:
    """The device of a channel name: ``PJSIP/alice-0000002a`` -> ``PJSIP/alice``."""
    device, sep, _ = name.rpartition("-")
    return device if sep else name


def known(value: str) -> str:
    """A caller id field, "" for Asterisk's ``<unknown>``."""
    return "" if value == "<unknown>" else value


@dataclass(frozen=True, slots=True)
class Channel:
    """One Asterisk channel, keyed by its Uniqueid.

    ``state`` is Asterisk's numeric channel state (``ChannelState``: 0 Down, 4 Ring,
    5 Ringing, 6 Up...), ``state_desc`` its text. ``dial_peer`` is the uniqueid of the
    other side of the last dial this channel took part in, ``dial_status`` that dial's
    ``DialStatus`` ("" while it rings). ``created`` is an epoch time.
    """

    uniqueid: str
    name: str
    state: int
    state_desc: str
    caller_id_num: str
    caller_id_name: str
    connected_num: str
    connected_name: str
    context: str
    exten: str
    linkedid: str
    created: float
    bridge_id: str = ""
    on_hold: bool = False
    dial_peer: str = ""
    dial_status: str = ""


@dataclass(frozen=True, slots=True)
class Call:
    """The channels sharing one Linkedid, in order of arrival."""

    linkedid: str
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Bridge:
    """A bridge and the uniqueids of the channels in it."""

    bridge_id: str
    bridge_type: str = ""
    technology: str = ""
    channels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hint:
    """An extension hint: ``status`` is Asterisk's extension state code.

    -2 removed, -1 unknown, 0 idle, 1 in use, 2 busy, 4 unavailable, 8 ringing,
    9 in use and ringing, 16 on hold.
    """

    exten: str
    context: str
    hint: str
    status: int
    status_text: str = ""


@dataclass(frozen=True, slots=True)
class QueueCaller:
    """A caller waiting in a queue; ``joined`` is an epoch time."""

    uniqueid: str
    channel: str
    position: int
    caller_id_num: str
    caller_id_name: str
    joined: float


@dataclass(frozen=True, slots=True)
class Queue:
    """A call queue with its counters and the callers waiting in it, by position."""

    name: str
    strategy: str = ""
    max_callers: int = 0
    completed: int = 0
    abandoned: int = 0
    holdtime: int = 0
    talktime: int = 0
    service_level: int = 0
    weight: int = 0
    callers: tuple[QueueCaller, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueMember:
    """A member (interface) of a queue.

    ``status`` is the member's numeric device state (0 unknown, 1 not in use, 2 in use,
    3 busy, 4 invalid, 5 unavailable, 6 ringing, 7 ring in use, 8 on hold).
    """

    queue: str
    interface: str
    name: str
    state_interface: str
    membership: str
    penalty: int
    calls_taken: int
    last_call: int
    in_call: bool
    status: int
    paused: bool
    paused_reason: str


@dataclass(frozen=True, slots=True)
class Agent:
    """An app_agent_pool agent, keyed by agent id (``Agent/<id>`` as a queue member).

    ``channel`` is the channel the agent logged in from, ``talking_to`` the channel of
    the caller it talks to; ``login_time`` is an epoch time, 0 when logged off.
    """

    agent_id: str
    name: str = ""
    status: str = AGENT_LOGGEDOFF
    channel: str = ""
    talking_to: str = ""
    login_time: float = 0.0
