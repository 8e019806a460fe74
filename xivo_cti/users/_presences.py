"""Presences the clients offer (``cti.presences``): label, colour and allowed moves."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["DEFAULT_PRESENCES", "PresenceConfig", "check_presences"]

_PRESENCE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")


def _longname(value: str) -> None:
    if not 0 < len(value) <= 64:
        raise ValueError("must be 1 to 64 characters")


def _color(value: str) -> None:
    if not _COLOR.fullmatch(value):
        raise ValueError(f"must be a colour #RRGGBB, got {value!r}")


@dataclass(frozen=True)
class PresenceConfig:
    """One presence the clients offer: its label, colour and the presences it may go to."""

    longname: str = field(default="", metadata={"check": _longname})
    color: str = field(default="#808080", metadata={"check": _color})
    allowed: tuple[str, ...] = ()


def check_presences(value: Mapping[str, PresenceConfig]) -> None:
    """Refuse presences without ``available`` and ``disconnected``, with a bad name, no
    label, or allowing an unknown one."""
    for name in ("available", "disconnected"):
        if name not in value:
            raise ValueError(f"must define {name!r}")
    for name, presence in value.items():
        if not _PRESENCE_NAME.fullmatch(name):
            raise ValueError(f"{name!r}: a presence name is 1-32 of a-z, 0-9, _")
        if not presence.longname:
            raise ValueError(f"{name}.longname: required")
        for other in presence.allowed:
            if other not in value or other == "disconnected":
                raise ValueError(f"{name}.allowed: unknown or disconnected presence {other!r}")


_SETTABLE = ("available", "away", "berightback", "donotdisturb", "outtolunch")
DEFAULT_PRESENCES: Mapping[str, PresenceConfig] = MappingProxyType(
    {
        "available": PresenceConfig("Available", "#9BC920", _SETTABLE),
        "away": PresenceConfig("Away", "#FDE50A", _SETTABLE),
        "berightback": PresenceConfig("Be right back", "#FFB545", _SETTABLE),
        "donotdisturb": PresenceConfig("Do not disturb", "#D13224", _SETTABLE),
        "outtolunch": PresenceConfig("Out to lunch", "#001AFF", _SETTABLE),
        "disconnected": PresenceConfig("Disconnected", "#202020", ()),
    }
)
