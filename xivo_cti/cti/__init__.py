"""The XiVO CTI transport: newline-delimited JSON over TCP or TLS, the first implementation
of the delivery ``Session`` (``CTIProtocol``), with login and per-address limits."""

from xivo_cti.cti._codec import CTIDecoder, InvalidLine, Request, encode
from xivo_cti.cti._config import CTIConfig, TLSConfig
from xivo_cti.cti._context import Connection, CTIContext
from xivo_cti.cti._limits import AddressLimits
from xivo_cti.cti._protocol import CTIProtocol
from xivo_cti.cti._server import CTIServerFactory, make_cti_service, tls_options

__all__ = [
    "AddressLimits",
    "CTIConfig",
    "CTIContext",
    "CTIDecoder",
    "CTIProtocol",
    "CTIServerFactory",
    "Connection",
    "InvalidLine",
    "Request",
    "TLSConfig",
    "encode",
    "make_cti_service",
    "tls_options",
]
