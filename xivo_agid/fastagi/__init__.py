"""FastAGI: a sans-IO parser and serialiser, a session API of Deferreds, a Twisted server.

A handler is a callable taking an ``AGISession`` and returning a Deferred or a
coroutine (or None); the server closes the connection when it completes.
"""

from xivo_agid.fastagi._server import Handler
from xivo_agid.fastagi.environment import AGIEnvironment
from xivo_agid.fastagi.errors import (
    AGICommandError,
    AGIConnectionLost,
    AGIError,
    AGIHangup,
    AGIProtocolError,
    InvalidCommand,
)
from xivo_agid.fastagi.factory import FastAGIFactory
from xivo_agid.fastagi.protocol import FastAGIProtocol
from xivo_agid.fastagi.reply import Reply
from xivo_agid.fastagi.session import AGISession

__all__ = [
    "AGICommandError",
    "AGIConnectionLost",
    "AGIEnvironment",
    "AGIError",
    "AGIHangup",
    "AGIProtocolError",
    "AGISession",
    "FastAGIFactory",
    "FastAGIProtocol",
    "Handler",
    "InvalidCommand",
    "Reply",
]
