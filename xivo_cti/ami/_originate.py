"""Originate: a call Asterisk sets up asynchronously, answered by an OriginateResponse.

``originate_headers`` checks the arguments and builds the action's headers (raising
``AMIActionRefused`` when they are invalid, so nothing is sent); ``AMIProtocol.originate``
sends them and waits for the OriginateResponse event carrying the action's ActionID
(``pending.Kind.ORIGINATE``), for up to the ring timeout plus its ``action_timeout``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from xivo_cti.ami._errors import AMIActionRefused

__all__ = ["Originate", "originate_headers"]


@dataclass(frozen=True, kw_only=True)
class Originate:
    """What to ring (``channel``) and where to send it once answered: an ``application``
    (with ``data``) or an ``exten`` in a ``context`` at ``priority``."""

    channel: str
    exten: str | None = None
    context: str | None = None
    priority: int = 1
    application: str | None = None
    data: str | None = None
    callerid: str | None = None
    variables: Mapping[str, str] | None = None
    timeout_ms: int = 30000


def originate_headers(call: Originate) -> list[tuple[str, str]]:
    """The headers of the Originate action for ``call``; raises ``AMIActionRefused``."""
    headers = [("Channel", call.channel)]
    if call.application is not None:
        headers.append(("Application", call.application))
        if call.data is not None:
            headers.append(("Data", call.data))
    elif call.exten is not None and call.context is not None:
        headers += [("Context", call.context), ("Exten", call.exten),
                    ("Priority", str(call.priority))]  # fmt: skip
    else:
        raise AMIActionRefused("Originate needs an application or exten and context")
    if call.callerid is not None:
        headers.append(("CallerID", call.callerid))
    for name, value in (call.variables or {}).items():
        if "=" in name or not name:
            raise AMIActionRefused(f"Originate: invalid variable name {name!r}")
        headers.append(("Variable", f"{name}={value}"))
    headers += [("Timeout", str(call.timeout_ms)), ("Async", "true")]
    return headers
