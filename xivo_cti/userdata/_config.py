"""The ``userdata`` configuration section and where the local database file lives."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from xivo.config import positive

__all__ = ["PRODUCTION_STATE_DIRECTORY", "UserDataConfig", "state_directory"]

PRODUCTION_STATE_DIRECTORY = "/var/lib/xivo-ctid"
"""The systemd unit's ``StateDirectory=``."""


def _at_least_one(value: int) -> None:
    if value < 1:
        raise ValueError(f"must be 1 or more, got {value}")


@dataclass(frozen=True)
class UserDataConfig:
    """Limits of the per-user data: calls kept in each history, personal contacts per
    user, seconds between two writes of the finished calls."""

    history_size: int = field(default=100, metadata={"check": _at_least_one})
    max_contacts: int = field(default=1000, metadata={"check": _at_least_one})
    flush_interval: float = field(default=1.0, metadata={"check": positive})


def state_directory(configured: str, environ: Mapping[str, str] = os.environ) -> str:
    """The directory of the local database: ``configured`` if set, else systemd's
    ``$STATE_DIRECTORY``, else ``/var/lib/xivo-ctid`` when it can be written (or made),
    else ``$XDG_STATE_HOME/xivo-ctid`` (``~/.local/state/xivo-ctid``)."""
    if configured:
        return configured
    systemd = environ.get("STATE_DIRECTORY", "").split(":")[0]
    if systemd:
        return systemd
    production = PRODUCTION_STATE_DIRECTORY
    parent = os.path.dirname(production)
    if os.access(production, os.W_OK) or (
        not os.path.exists(production) and os.access(parent, os.W_OK)
    ):
        return production
    home = environ.get("HOME") or os.path.expanduser("~")
    xdg = environ.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state")
    return os.path.join(xdg, "xivo-ctid")
