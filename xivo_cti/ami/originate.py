"""Originate: a call Asterisk sets up asynchronously, answered by an OriginateResponse.

``OriginateMixin.originate`` checks its arguments and builds the action (nothing is
sent when they are invalid); the answer waits for the OriginateResponse event carrying
the action's ActionID (``pending.Kind.ORIGINATE``), for up to the ring timeout plus the
protocol's ``action_timeout``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.defer import Deferred, fail

from xivo_cti.ami.action import Headers
from xivo_cti.ami.errors import AMIActionRefused
from xivo_cti.ami.message import Message
from xivo_cti.ami.pending import Kind

__all__ = ["OriginateMixin"]


class OriginateMixin:
    """Adds ``originate`` to a protocol that has ``action_timeout`` and ``_send``."""

    action_timeout: float
    _send: Callable[[str, Headers, float | None, Kind], Deferred[Any]]

    def originate(
        self,
        channel: str,
        *,
        exten: str | None = None,
        context: str | None = None,
        priority: int = 1,
        application: str | None = None,
        data: str | None = None,
        callerid: str | None = None,
        variables: Mapping[str, str] | None = None,
        timeout_ms: int = 30000,
    ) -> Deferred[Message]:
        """Async Originate; fires with the OriginateResponse event, errbacks on Failure."""
        headers = [("Channel", channel)]
        if application is not None:
            headers.append(("Application", application))
            if data is not None:
                headers.append(("Data", data))
        elif exten is not None and context is not None:
            headers += [("Context", context), ("Exten", exten), ("Priority", str(priority))]
        else:
            return fail(AMIActionRefused("Originate needs an application or exten and context"))
        if callerid is not None:
            headers.append(("CallerID", callerid))
        for name, value in (variables or {}).items():
            if "=" in name or not name:
                return fail(AMIActionRefused(f"Originate: invalid variable name {name!r}"))
            headers.append(("Variable", f"{name}={value}"))
        headers += [("Timeout", str(timeout_ms)), ("Async", "true")]
        timeout = timeout_ms / 1000 + self.action_timeout
        return self._send("Originate", headers, timeout, Kind.ORIGINATE)
