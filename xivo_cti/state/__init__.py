"""Live telephony state of xivo-ctid: ``LiveState.apply(event) -> [Change]``, the entities
it holds, the indexes questions need, and its ``resync`` after every AMI login."""

from xivo_cti.state._changes import (
    AgentRemoved,
    AgentUpdated,
    CallEnded,
    CallUpdated,
    Change,
    ChannelRemoved,
    ChannelUpdated,
    DeviceStateChanged,
    HintChanged,
    QueueMemberRemoved,
    QueueMemberUpdated,
    QueueRemoved,
    QueueUpdated,
    Resynced,
)
from xivo_cti.state._entities import (
    AGENT_IDLE,
    AGENT_LOGGEDOFF,
    Agent,
    Bridge,
    Call,
    Channel,
    Hint,
    Queue,
    QueueCaller,
    QueueMember,
    channel_device,
    known,
)
from xivo_cti.state._live import LiveState
from xivo_cti.state._outcomes import MAX_WINDOW, WindowStats
from xivo_cti.state._resync import resync

__all__ = [
    "AGENT_IDLE",
    "AGENT_LOGGEDOFF",
    "Agent",
    "AgentRemoved",
    "AgentUpdated",
    "Bridge",
    "Call",
    "CallEnded",
    "CallUpdated",
    "Change",
    "Channel",
    "ChannelRemoved",
    "ChannelUpdated",
    "DeviceStateChanged",
    "Hint",
    "HintChanged",
    "MAX_WINDOW",
    "LiveState",
    "Queue",
    "QueueCaller",
    "QueueMember",
    "QueueMemberRemoved",
    "QueueMemberUpdated",
    "QueueRemoved",
    "QueueUpdated",
    "Resynced",
    "WindowStats",
    "channel_device",
    "known",
    "resync",
]
