"""Sharing state between xivo-ctid nodes over RabbitMQ: the message schema, the per-ipbx
sequence tracker of a consuming node, the commands waiting on another node's reply, the
AMQP connection they travel on, the lease that makes one node the owner of an ipbx, the
``BusNode`` that wires them into xivo-ctid, and the ``bus`` and ``ipbx`` sections.

Importing it installs no reactor: pika's Twisted adapter, which imports the global one,
is imported when the first AMQP connection is dialled (``_adapter``)."""

from xivo_cti.bus._amqp import BusConnection, BusNotConnected, BusPublishFailed, Subscription
from xivo_cti.bus._calls import CallsFull, Expired, RemoteCalls, Replied, still_valid
from xivo_cti.bus._config import BusConfig, IpbxConfig, ipbx_ids
from xivo_cti.bus._lease import Lease
from xivo_cti.bus._messages import (
    MAX_MESSAGE_BYTES,
    MAX_SNAPSHOT_BYTES,
    BusMessage,
    BusMessageError,
    Change,
    Changes,
    Chat,
    CommandReply,
    CommandRequest,
    Features,
    FeaturesRequest,
    Heartbeat,
    Presence,
    Presences,
    Snapshot,
    SnapshotRequest,
    check_ipbx_id,
    decode,
    encode,
)
from xivo_cti.bus._node import BusNode
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
    "BusConfig",
    "CallsFull",
    "BusConnection",
    "BusMessage",
    "BusMessageError",
    "BusNode",
    "BusNotConnected",
    "BusPublishFailed",
    "Change",
    "Changes",
    "CommandReply",
    "CommandRequest",
    "Expired",
    "Chat",
    "Features",
    "FeaturesRequest",
    "Heartbeat",
    "Presence",
    "Presences",
    "IpbxConfig",
    "Lease",
    "RemoteCalls",
    "Replied",
    "RequestSnapshot",
    "SequenceTracker",
    "ipbx_ids",
    "still_valid",
    "Snapshot",
    "SnapshotRequest",
    "Subscription",
    "check_ipbx_id",
    "decode",
    "encode",
]
