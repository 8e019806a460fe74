"""The messages nodes exchange over the bus, and their JSON encoding (version 1).

Every message is one UTF-8 JSON object with ``"v": 1`` and a ``"type"``.  Unknown keys are
ignored (a later version 1 may add some); a higher ``v``, a missing or mistyped key, or an
oversized body raises ``BusMessageError``, the only error ``decode`` raises.  A ``seq``
counts an ipbx's changes from 1 within an ``epoch``: the owner picks a new epoch each time
it takes the ipbx, so numbering never goes backwards unnoticed.  Changes travel in batches
(``Changes``: consecutive numbers from ``first_seq``); a ``Change`` is one of them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from xivo_cti._names import check_ipbx_id
from xivo_cti.bus._fields import CHECKS

__all__ = [
    "MAX_MESSAGE_BYTES", "MAX_SNAPSHOT_BYTES", "VERSION", "Chat", "Features", "FeaturesRequest",
    "Presence", "Presences", "BusMessage", "BusMessageError", "Change", "Changes", "CommandReply",
    "CommandRequest", "Heartbeat", "Snapshot", "SnapshotRequest", "check_ipbx_id", "decode",
    "encode"
]  # fmt: skip

VERSION: Final = 1
MAX_MESSAGE_BYTES: Final = 1 << 20
MAX_SNAPSHOT_BYTES: Final = 64 << 20


class BusMessageError(ValueError):
    """A body read from the bus is not a valid message; the text says why."""


@dataclass(frozen=True, kw_only=True)
class Change:
    """One state change of ``ipbx``, number ``seq`` of ``epoch`` (one of a ``Changes``)."""

    ipbx: str
    epoch: str
    seq: int
    change: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class Changes:
    """Changes ``first_seq``, ``first_seq + 1``... of ``epoch`` of ``ipbx``: each an AMI
    event's headers in order (``[[name, value], ...]``)."""

    ipbx: str
    epoch: str
    first_seq: int
    events: list[list[list[str]]]

    def each(self) -> list[Change]:
        """The changes, in order."""
        ipbx, epoch, first = self.ipbx, self.epoch, self.first_seq
        return [Change(ipbx=ipbx, epoch=epoch, seq=first + n, change={"event": event})
                for n, event in enumerate(self.events)]  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Heartbeat:
    """The owner of ``ipbx`` is at change ``seq`` of ``epoch`` (sent every few seconds, so
    that a node that lost the last changes notices it even when nothing else happens)."""

    ipbx: str
    epoch: str
    seq: int


@dataclass(frozen=True, kw_only=True)
class SnapshotRequest:
    """A node asks the owner of ``ipbx`` for its whole state, answered to ``reply_to``."""

    ipbx: str
    id: str
    reply_to: str


@dataclass(frozen=True, kw_only=True)
class Snapshot:
    """The owner's whole state of ``ipbx`` after change ``seq`` of ``epoch``."""

    ipbx: str
    id: str
    epoch: str
    seq: int
    state: Mapping[str, object]


@dataclass(frozen=True, kw_only=True)
class CommandRequest:
    """An AMI action for the owner of ``ipbx`` to run before ``deadline`` (Unix time)."""

    ipbx: str
    id: str
    reply_to: str
    deadline: float
    action: str
    headers: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class CommandReply:
    """The outcome of command ``id``: the response's headers, or an error text."""

    id: str
    ok: bool
    headers: Mapping[str, str]
    error: str


@dataclass(frozen=True, kw_only=True)
class Presence:
    """The presence of ``login`` on ``node`` (``disconnected``: no session there)."""

    node: str
    login: str
    presence: str


@dataclass(frozen=True, kw_only=True)
class Presences:
    """Every user with a session on ``node``, and their presences (sent every few seconds:
    a node not heard of for a while has no user any more)."""

    node: str
    presences: Mapping[str, str]


@dataclass(frozen=True, kw_only=True)
class Features:
    """The DND and forwards of users of ``ipbx``, from its holder: some users' (``whole``
    false: change ``seq`` of ``epoch``; none: a reminder that ``seq`` is the last), or every
    user's (true, after change ``seq``; a user left out has the defaults)."""

    ipbx: str
    epoch: str
    seq: int
    whole: bool
    features: Mapping[str, Mapping[str, object]]


@dataclass(frozen=True, kw_only=True)
class FeaturesRequest:
    """A node asks the holder of ``ipbx`` for every user's features, sent to ``reply_to``."""

    ipbx: str
    reply_to: str


@dataclass(frozen=True, kw_only=True)
class Chat:
    """A ``chitchat`` to the sessions of ``login`` on the node it is sent to: the sender's
    and recipient's ids (``[ipbx, user id]``), the sender's name and the escaped text."""

    login: str
    sender: list[str]
    recipient: list[str]
    alias: str
    text: str


BusMessage = (
    Changes | Heartbeat | SnapshotRequest | Snapshot | CommandRequest | CommandReply
    | Presence | Presences | Features | FeaturesRequest | Chat
)  # fmt: skip

_TYPES: Final[dict[str, type[BusMessage]]] = {
    "changes": Changes,
    "heartbeat": Heartbeat,
    "snapshot_request": SnapshotRequest,
    "snapshot": Snapshot,
    "command": CommandRequest,
    "command_reply": CommandReply,
    "presence": Presence,
    "presences": Presences,
    "features": Features,
    "features_request": FeaturesRequest,
    "chat": Chat,
}
_NAMES: Final = {cls: name for name, cls in _TYPES.items()}


def encode(message: BusMessage) -> bytes:
    """The JSON body of ``message``."""
    body = {"v": VERSION, "type": _NAMES[type(message)]}
    for name in message.__dataclass_fields__:
        value = getattr(message, name)
        body[name] = dict(value) if isinstance(value, Mapping) else value
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def decode(body: bytes) -> BusMessage:
    """The message in ``body``; ``BusMessageError`` if it is not one."""
    if len(body) > MAX_SNAPSHOT_BYTES:
        raise BusMessageError(f"message of {len(body)} bytes, over {MAX_SNAPSHOT_BYTES}")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BusMessageError("not a UTF-8 JSON text") from None
    if not isinstance(data, dict):
        raise BusMessageError("not a JSON object")
    if data.get("v") != VERSION:
        raise BusMessageError(f"unsupported version {data.get('v')!r}")
    cls = _TYPES.get(data.get("type"))  # type: ignore[arg-type]
    if cls is None:
        raise BusMessageError(f"unknown type {str(data.get('type'))[:64]!r}")
    if cls not in (Snapshot, Presences, Features) and len(body) > MAX_MESSAGE_BYTES:
        raise BusMessageError(f"message of {len(body)} bytes, over {MAX_MESSAGE_BYTES}")
    return cls(**{name: _field(data, name) for name in cls.__dataclass_fields__})


def _field(data: dict, name: str) -> object:
    if name not in data:
        raise BusMessageError(f"missing {name!r}")
    value = data[name]
    ok = CHECKS[name](value)
    if not ok:
        raise BusMessageError(f"invalid {name!r}")
    if name == "deadline":
        return float(value)
    return value
