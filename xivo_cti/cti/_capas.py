"""The ``login_capas`` answer: the window a profile gets, presences and phone states.

``capaxlets`` lists the client's panels (xlets) as ``[name, layout, option]``: layout
``grid`` stacks a panel in the main window at the index ``option``; ``tab`` puts it in the
tab bar (the ``tabber`` grid entry); ``dock`` in a titled dock window (option letters:
floatable, closable, movable, scrollable).  Everyone gets identity, contacts
(``people``), history and services (``features``) as tabs; a profile reading queues gets
the queue panels, a supervisor also the agent panels, as docks (they have no tab icon).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xivo_cti.cti._config import PresenceConfig
from xivo_cti.users import Profile

__all__ = ["PHONE_STATES", "SERVICES", "capaxlets", "login_capas", "userstatus"]

SERVICES = ("incallfilter", "enablednd", "fwdunc", "fwdrna", "fwdbusy")

# Asterisk extension (hint) states, as the client colours them.
PHONE_STATES: dict[str, dict[str, str]] = {
    "-2": {"longname": "Does not exist", "color": "#030303"},
    "-1": {"longname": "Deactivated", "color": "#000000"},
    "0": {"longname": "Available", "color": "#0DFF25"},
    "1": {"longname": "On the phone", "color": "#FF032D"},
    "2": {"longname": "Busy", "color": "#FF0008"},
    "4": {"longname": "Unavailable", "color": "#FFFFFF"},
    "8": {"longname": "Ringing", "color": "#1B0AFF"},
    "9": {"longname": "On the phone and ringing", "color": "#FF0526"},
    "16": {"longname": "On hold", "color": "#F7FF05"},
}

_EVERYONE = (["identity", "grid", "0"], ["tabber", "grid", "1"])
_TABS = ("people", "history", "features")
_QUEUE_DOCKS = ("queues", "queuemembers")
_SUPERVISOR_DOCKS = ("queueentrydetails", "agents", "agentdetails")


def capaxlets(profile: Profile) -> list[list[str]]:
    """The panels of a profile's window, in order."""
    docks: list[str] = []
    if "queues" in profile.lists:
        docks += [d for d in _QUEUE_DOCKS if d == "queues" or d in profile.lists]
    if profile.supervisor and "agents" in profile.lists:
        docks += _SUPERVISOR_DOCKS
    tabs = [[t, "tab", str(i)] for i, t in enumerate(_TABS)]
    return [list(x) for x in _EVERYONE] + tabs + [[d, "dock", "fcms"] for d in docks]


def userstatus(presences: Mapping[str, PresenceConfig]) -> dict[str, Any]:
    """The presences as the client reads them (``longname``, ``color``, ``allowed``)."""
    return {
        name: {"longname": p.longname, "color": p.color, "allowed": list(p.allowed)}
        for name, p in presences.items()
    }


def login_capas(
    profile: Profile, presences: Mapping[str, PresenceConfig], **identity: Any
) -> dict[str, Any]:
    """The whole ``login_capas`` reply; ``identity`` gives userid, ipbxid and presence."""
    return {
        "class": "login_capas",
        **identity,
        "appliname": profile.name.capitalize(),
        "capaxlets": capaxlets(profile),
        "capas": {
            "userstatus": userstatus(presences),
            "phonestatus": PHONE_STATES,
            "services": list(SERVICES),
            "preferences": {},
            "ipbxcommands": sorted(profile.commands),
            "lists": sorted(profile.lists),
            "supervisor": profile.supervisor,
        },
    }
