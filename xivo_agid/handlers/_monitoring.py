"""The ``monitoring`` script: a health check that touches no backend.

``AGI(agi://127.0.0.1:4573/monitoring)`` sets two channel variables (one ``EXEC MSet``,
as ``callerid_lookup`` does) and returns: ``XIVO_AGID_STATUS`` = ``OK`` and
``XIVO_AGID_UPTIME`` = whole seconds since the daemon started.  A dialplan can check
``${AGISTATUS}`` (``SUCCESS`` when the daemon answered) and ``${XIVO_AGID_STATUS}``.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from xivo_agid.fastagi import AGISession

__all__ = ["MonitoringHandler"]


class MonitoringHandler:
    """Handler of the ``monitoring`` script; ``clock`` gives the uptime."""

    def __init__(self, clock: IReactorTime) -> None:
        self._clock = clock
        self._started = clock.seconds()

    @property
    def uptime(self) -> int:
        """Whole seconds since this handler (the daemon) started."""
        return int(self._clock.seconds() - self._started)

    async def __call__(self, session: AGISession) -> None:
        variables = (("XIVO_AGID_STATUS", "OK"), ("XIVO_AGID_UPTIME", str(self.uptime)))
        await session.set_variables(variables)
