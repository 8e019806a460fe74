"""Log observer factories for ``twistd --logger``.

``twistd --logger xivo.ops.logging.json_observer xivo-ctid`` writes one JSON object per
event on stdout (journald- and log-shipper-friendly)::

    {"time": "2026-11-27T10:14:02.123456+00:00", "level": "info",
     "namespace": "xivo_agid.fastagi", "message": "...", "channel": "PJSIP/alice-0001",
     "uniqueid": "1700000000.1"}

The event's own fields (``channel``, ``uniqueid``, ``user``, ``session``...) are kept as
keys: numbers, strings, booleans and None as they are, anything else as its ``repr``.  A
failure adds ``error`` (its type and message) and ``traceback``.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import IO, Any

from twisted.logger import ILogObserver, LogEvent, formatEvent
from zope.interface import provider

__all__ = ["json_observer", "json_record"]

_PLAIN = (str, int, float, bool, type(None))


def json_record(event: LogEvent) -> dict[str, Any]:
    """The JSON object written for ``event``."""
    level = event.get("log_level")
    record: dict[str, Any] = {
        "time": datetime.fromtimestamp(event.get("log_time", 0), UTC).isoformat(),
        "level": level.name if level is not None else "info",
        "namespace": event.get("log_namespace", "-"),
        "message": formatEvent(event),
    }
    for key, value in event.items():
        if not key.startswith("log_") and key not in record:
            record[key] = value if isinstance(value, _PLAIN) else repr(value)
    failure = event.get("log_failure")
    if failure is not None:
        record["error"] = f"{failure.type.__name__}: {failure.getErrorMessage()}"
        record["traceback"] = failure.getTraceback()
    return record


def json_observer(stream: IO[str] | None = None) -> ILogObserver:
    """An observer writing each log event as one JSON line on ``stream`` (stdout)."""
    out = stream if stream is not None else sys.stdout

    @provider(ILogObserver)
    def observe(event: LogEvent) -> None:
        out.write(json.dumps(json_record(event), ensure_ascii=False) + "\n")
        out.flush()

    return observe
