"""What captured log events show anywhere: text, fields and failures, for secret checks."""

from __future__ import annotations

from collections.abc import Iterable

from twisted.logger import LogEvent, formatEvent

__all__ = ["log_text"]


def log_text(events: Iterable[LogEvent]) -> str:
    """Every captured event as its message, the repr of its fields and any traceback."""
    parts = []
    for event in events:
        parts.append(formatEvent(event))
        parts.extend(repr(v) for k, v in event.items() if k != "log_failure")
        failure = event.get("log_failure")
        if failure is not None:
            parts.append(failure.getTraceback())
    return "\n".join(parts)
