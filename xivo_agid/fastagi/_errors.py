"""The FastAGI exception tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from xivo_agid.fastagi._reply import Reply

__all__ = [
    "AGICommandError",
    "AGIConnectionLost",
    "AGIError",
    "AGIHangup",
    "AGIProtocolError",
    "AGIRequestError",
    "InvalidCommand",
]


class AGIError(Exception):
    """Base class of every FastAGI error."""


class AGIProtocolError(AGIError):
    """The peer broke the protocol or a limit (the connection must be closed)."""


class AGIRequestError(AGIError, ValueError):
    """The request asks its script for something it cannot do (e.g. a bad argument in
    the dialplan): nothing is done, the call goes on, a warning says why."""


class InvalidCommand(AGIError, ValueError):
    """We were asked to send a command that cannot be sent safely (CR/LF, size, count)."""


class AGICommandError(AGIError):
    """Asterisk answered a command with a non-2xx reply; ``reply`` holds it."""

    def __init__(self, command: str, reply: Reply) -> None:
        super().__init__(f"{command}: {reply.text}")
        self.command = command
        self.reply = reply


class AGIHangup(AGIError):
    """The channel hung up: no further command is sent."""


class AGIConnectionLost(AGIError):
    """The connection closed before the command got its reply."""
