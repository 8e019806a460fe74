"""Changes of the live state, as ``LiveState.apply`` returns them: frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

from xivo_cti.state._entities import Agent, Call, Channel, Hint, Queue, QueueMember


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelUpdated:
    """A channel appeared or changed."""

    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelRemoved:
    """A channel hung up (or was gone at resync); ``channel`` is its last picture."""

    uniqueid: str
    channel: Channel


@dataclass(frozen=True, slots=True, kw_only=True)
class CallUpdated:
    """A call started or its set of channels changed."""

    call: Call


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded:
    """The last channel of a call is gone."""

    linkedid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceStateChanged:
    """A device changed state (``UNKNOWN`` when it disappeared at resync)."""

    device: str
    state: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HintChanged:
    """A hint appeared or changed status (status -2 when it disappeared at resync)."""

    hint: Hint


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueUpdated:
    """A queue appeared or changed (counters, waiting callers)."""

    queue: Queue


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueRemoved:
    """A queue was gone at resync."""

    queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberUpdated:
    """A queue member was added or changed (paused, status, calls taken...)."""

    member: QueueMember


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueMemberRemoved:
    """A member left a queue."""

    queue: str
    interface: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentUpdated:
    """An agent appeared or changed status."""

    agent: Agent


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRemoved:
    """An agent was gone at resync (no longer defined in Asterisk)."""

    agent_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallLeft:
    """A caller left ``queue``: answered by a member, else abandoned, at ``ended`` (epoch
    seconds) after waiting ``holdtime`` seconds; ``uniqueid`` is the caller's channel."""

    queue: str
    uniqueid: str
    ended: float
    holdtime: int
    answered: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Resynced:
    """The state was rebuilt from Asterisk; the differences were told just before."""


Change = (
    ChannelUpdated
    | ChannelRemoved
    | CallUpdated
    | CallEnded
    | DeviceStateChanged
    | HintChanged
    | QueueUpdated
    | QueueRemoved
    | QueueMemberUpdated
    | QueueMemberRemoved
    | AgentUpdated
    | AgentRemoved
    | QueueCallLeft
    | Resynced
)
