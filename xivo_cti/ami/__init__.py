"""AMI, the input and output port to Asterisk: bytes <-> ``Message``s (``AMIParser``),
one session (``AMIProtocol``: ActionIDs, event lists, Originate) and the reconnecting,
logged-in client (``AMIClientService``), with its dialling parts (``client_endpoint``,
``RetryPolicy``) that the bus's AMQP connection shares."""

from xivo_cti.ami._client import AMIClientService, ConnectionListener
from xivo_cti.ami._codec import AMIParser, Banner
from xivo_cti.ami._config import DEFAULT_EVENTS, AMIConfig
from xivo_cti.ami._endpoint import client_endpoint
from xivo_cti.ami._errors import (
    AMIActionError,
    AMIActionRefused,
    AMIActionTimeout,
    AMIAuthenticationError,
    AMIConnectionLost,
    AMIError,
    AMIListOverflow,
    AMINotConnected,
    AMIProtocolError,
)
from xivo_cti.ami._message import Message
from xivo_cti.ami._pending import DEFAULT_LIST_CAP, ListCap
from xivo_cti.ami._protocol import AMIProtocol, EventListener
from xivo_cti.ami._retry import RetryPolicy

__all__ = [
    "DEFAULT_EVENTS",
    "DEFAULT_LIST_CAP",
    "AMIActionError",
    "AMIActionRefused",
    "AMIActionTimeout",
    "AMIAuthenticationError",
    "AMIClientService",
    "AMIConfig",
    "AMIConnectionLost",
    "AMIError",
    "AMIListOverflow",
    "AMINotConnected",
    "AMIParser",
    "AMIProtocol",
    "AMIProtocolError",
    "Banner",
    "ConnectionListener",
    "EventListener",
    "ListCap",
    "Message",
    "RetryPolicy",
    "client_endpoint",
]
