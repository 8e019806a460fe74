"""FastAGI: a sans-IO reader, a session API of Deferreds, a Twisted server.

What this package offers (its modules are private):

- ``AGISession``: one request as a handler sees it (``env``, commands returning
  Deferred ``Reply``s); ``AGIEnvironment``, the ``agi_*`` block; the exception tree
  rooted at ``AGIError``.
- ``Handler``: a callable taking an ``AGISession`` and returning a Deferred or a
  coroutine (or None); the server closes the connection when it completes.
- ``FastAGIFactory`` and ``FastAGIProtocol``: the server side, with its peer limits;
  ``WriteThroughServer`` (and its ``WriteThroughPort``) listen with the write-through
  transport.
- ``FastAGIParser``: the sans-IO reader of what Asterisk sends (bytes in, events out).
"""

from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._errors import (
    AGICommandError,
    AGIConnectionLost,
    AGIError,
    AGIHangup,
    AGIProtocolError,
    AGIRequestError,
    InvalidCommand,
)
from xivo_agid.fastagi._factory import FastAGIFactory
from xivo_agid.fastagi._listener import WriteThroughPort, WriteThroughServer
from xivo_agid.fastagi._parser import FastAGIParser
from xivo_agid.fastagi._protocol import FastAGIProtocol
from xivo_agid.fastagi._reply import Reply
from xivo_agid.fastagi._server import Handler
from xivo_agid.fastagi._session import AGISession

__all__ = [
    "AGICommandError",
    "AGIConnectionLost",
    "AGIEnvironment",
    "AGIError",
    "AGIHangup",
    "AGIProtocolError",
    "AGIRequestError",
    "AGISession",
    "FastAGIFactory",
    "FastAGIParser",
    "FastAGIProtocol",
    "Handler",
    "InvalidCommand",
    "Reply",
    "WriteThroughPort",
    "WriteThroughServer",
]
