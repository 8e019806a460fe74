"""Log observer factories for ``twistd --logger``.

``twistd --logger xivo.ops.logging.json_observer xivo-ctid`` writes one JSON object
per event on stdout (journald-friendly), keeping structured fields such as
``channel``, ``uniqueid``, ``user`` and ``session`` as keys.
"""

from __future__ import annotations

import sys

from twisted.logger import ILogObserver, jsonFileLogObserver

__all__ = ["json_observer"]


def json_observer() -> ILogObserver:
    """An observer writing each log event as one JSON line on stdout."""
    return jsonFileLogObserver(sys.stdout, recordSeparator="")
