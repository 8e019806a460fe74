"""Sharing state between xivo-ctid nodes over RabbitMQ: the message schema, the per-ipbx
sequence tracker of a consuming node, and the AMQP connection they travel on."""

from xivo_cti.bus._amqp import BusConnection, BusNotConnected, BusPublishFailed, Subscription
from xivo_cti.bus._messages import (
    MAX_MESSAGE_BYTES,
    MAX_SNAPSHOT_BYTES,
    BusMessage,
    BusMessageError,
    Change,
    CommandReply,
    CommandRequest,
    Heartbeat,
    Snapshot,
    SnapshotRequest,
    check_ipbx_id,
    decode,
    encode,
)
from xivo_cti.bus._sequence import (
    Action,
    ApplyChange,
    ApplySnapshot,
    RequestSnapshot,
    SequenceTracker,
)

__all__ = [
    "MAX_MESSAGE_BYTES",
    "MAX_SNAPSHOT_BYTES",
    "Action",
    "ApplyChange",
    "ApplySnapshot",
    "BusConnection",
    "BusMessage",
    "BusMessageError",
    "BusNotConnected",
    "BusPublishFailed",
    "Change",
    "CommandReply",
    "CommandRequest",
    "Heartbeat",
    "RequestSnapshot",
    "SequenceTracker",
    "Snapshot",
    "SnapshotRequest",
    "Subscription",
    "check_ipbx_id",
    "decode",
    "encode",
]
