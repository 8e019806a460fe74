"""The checks of each field of the bus messages (``_messages``): a field's name to whether
a decoded JSON value is a valid one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from xivo_cti._names import is_name
from xivo_cti.users import FEATURE_DEFAULTS

__all__ = ["CHECKS", "MAX_EVENTS"]

MAX_EVENTS: Final = 1000
"""The most AMI events one ``changes`` message carries."""

_TOKEN = re.compile(r"[\x21-\x7e]{1,128}")
_LINE_BREAK = re.compile(r"[\r\n]")
_PRESENCE = re.compile(r"[a-z][a-z0-9_]{0,31}")
_DESTINATION = re.compile(r"[0-9*#+]{0,40}")


def _token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.fullmatch(value) is not None


def _login(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 256 and value.isprintable()


def _presence(value: object) -> bool:
    return isinstance(value, str) and _PRESENCE.fullmatch(value) is not None


def _presences(value: object) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= 100_000
        and all(_login(k) and _presence(v) for k, v in value.items())
    )


def _features(value: object) -> bool:
    """Users' features: each a known feature with a value of its type (a destination: a
    dial string)."""
    return (
        isinstance(value, dict)
        and len(value) <= 100_000
        and all(_login(k) and isinstance(v, dict) and all(map(_feature, v.items()))
                for k, v in value.items())
    )  # fmt: skip


def _feature(item: tuple[object, object]) -> bool:
    name, value = item
    default = FEATURE_DEFAULTS.get(name) if isinstance(name, str) else None
    if isinstance(default, bool):
        return type(value) is bool
    return default is not None and isinstance(value, str) and bool(_DESTINATION.fullmatch(value))


def _ids(value: object) -> bool:
    """A user's ids in a chat: ``[ipbx, user id]``."""
    return (
        isinstance(value, list) and len(value) == 2
        and is_name(value[0]) and _token(value[1])
    )  # fmt: skip


def _events(value: object) -> bool:
    """A batch of AMI events: each a list of ``[name, value]`` string pairs."""
    return isinstance(value, list) and 0 < len(value) <= MAX_EVENTS and all(
        isinstance(e, list) and all(
            isinstance(h, list) and len(h) == 2 and type(h[0]) is str and type(h[1]) is str
            for h in e)
        for e in value
    )  # fmt: skip


def _text(value: object) -> bool:
    """A chat's sender name or escaped text (chitchat's 3,000 characters, each of which
    may have become ``&amp;``)."""
    return isinstance(value, str) and len(value) <= 15_000


def _headers(value: object) -> bool:
    """AMI headers: names of letters, digits, '-' and '_'; values without CR or LF."""
    if not isinstance(value, dict) or len(value) > 256:
        return False
    return all(
        is_name(k) and isinstance(v, str) and not _LINE_BREAK.search(v) for k, v in value.items()
    )


CHECKS: Final[dict[str, Callable[[object], bool]]] = {
    "ipbx": is_name,
    "epoch": _token,
    "id": _token,
    "reply_to": _token,
    "action": is_name,
    "seq": lambda v: type(v) is int and v >= 0,
    "deadline": lambda v: type(v) in (int, float) and v == v and abs(v) < 1e12,
    "ok": lambda v: type(v) is bool,
    "whole": lambda v: type(v) is bool,
    "error": lambda v: isinstance(v, str) and len(v) <= 4096,
    "first_seq": lambda v: type(v) is int and v >= 1,
    "events": _events,
    "state": lambda v: isinstance(v, dict),
    "headers": _headers,
    "node": _token,
    "login": _login,
    "presence": _presence,
    "presences": _presences,
    "features": _features,
    "sender": _ids,
    "recipient": _ids,
    "alias": _text,
    "text": _text,
}
