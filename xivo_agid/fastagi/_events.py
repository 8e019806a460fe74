"""Events produced by the sans-IO FastAGI parser."""

from __future__ import annotations

from dataclasses import dataclass

from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._reply import Reply

__all__ = [
    "EnvironmentReceived",
    "Event",
    "HangupReceived",
    "InterimReplyReceived",
    "ReplyReceived",
    "StreamEnded",
    "UnexpectedLine",
]


@dataclass(frozen=True, kw_only=True)
class EnvironmentReceived:
    """The environment block is complete: the request can be routed."""

    environment: AGIEnvironment


@dataclass(frozen=True, kw_only=True)
class ReplyReceived:
    """A final reply to the command in flight."""

    reply: Reply


@dataclass(frozen=True, kw_only=True)
class InterimReplyReceived:
    """A ``100`` line (``100 result=0 Trying...``): the final reply is still to come."""

    reply: Reply


@dataclass(frozen=True, kw_only=True)
class HangupReceived:
    """Asterisk wrote an unprompted ``HANGUP`` line: the channel is gone."""


@dataclass(frozen=True, kw_only=True)
class UnexpectedLine:
    """A line that is neither a reply nor ``HANGUP`` (logged and ignored)."""

    line: str


@dataclass(frozen=True, kw_only=True)
class StreamEnded:
    """End of file; ``incomplete`` if it cut an environment block or a reply short."""

    incomplete: bool


Event = (
    EnvironmentReceived
    | ReplyReceived
    | InterimReplyReceived
    | HangupReceived
    | UnexpectedLine
    | StreamEnded
)
