"""The ``ami:`` configuration section (public contract of issue 5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from xivo.config import port_number, positive
from xivo_cti.ami._pending import DEFAULT_LIST_CAP

__all__ = ["DEFAULT_EVENTS", "AMIConfig"]

# Login ``Events:`` classes the daemon reads: system (FullyBooted, Shutdown, Reload),
# call (channels, bridges, dial, hold, DeviceStateChange, ExtensionStatus) and agent
# (queue members, queue callers, agents).  Dialplan (Newexten, VarSet) is left out: it is
# most of the volume of a busy Asterisk.
DEFAULT_EVENTS = "system,call,agent"


def _event_mask(value: str) -> None:
    if not value or any(c in value for c in "\r\n\0"):
        raise ValueError(f"expected a class list such as {DEFAULT_EVENTS!r}, 'on' or 'off'")


@dataclass(frozen=True, kw_only=True)
class AMIConfig:
    """Where and how to reach Asterisk's AMI; timeouts in seconds."""

    host: str = "127.0.0.1"
    port: int = field(default=5038, metadata={"check": port_number})
    username: str = "xivo"
    secret: str = field(default="", repr=False)
    connect_timeout: float = field(default=5.0, metadata={"check": positive})
    ping_interval: float = field(default=10.0, metadata={"check": positive})
    action_timeout: float = field(default=10.0, metadata={"check": positive})
    events: str = field(default=DEFAULT_EVENTS, metadata={"check": _event_mask})
    events_per_pass: int = field(default=100, metadata={"check": positive})
    time_per_pass: float = field(default=0.001, metadata={"check": positive})
    max_list_items: int = field(default=DEFAULT_LIST_CAP.items, metadata={"check": positive})
    max_list_bytes: int = field(default=DEFAULT_LIST_CAP.size, metadata={"check": positive})
