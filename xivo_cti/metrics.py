"""Prometheus metrics of xivo-ctid (AMI link, CTI clients).

Gauges that mirror state held elsewhere (AMI connected, pending actions, clients
connected) are bound to that state with ``bind_gauge`` when the service is built;
counters are incremented where the thing happens.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import Counter, Gauge

__all__ = [
    "AMI_CONNECTED",
    "AMI_EVENTS",
    "AMI_PENDING_ACTIONS",
    "CTI_CLIENTS",
    "CTI_SLOW_CLIENTS_DROPPED",
    "bind_gauge",
]

AMI_CONNECTED = Gauge("xivo_ctid_ami_connected", "1 while the AMI connection is logged in.")
AMI_EVENTS = Counter(
    "xivo_ctid_ami_events", "AMI events received (rate() gives events per second)."
)
AMI_PENDING_ACTIONS = Gauge(
    "xivo_ctid_ami_pending_actions", "AMI actions sent and still waiting for their response."
)
CTI_CLIENTS = Gauge("xivo_ctid_cti_clients", "CTI client connections open.")
CTI_SLOW_CLIENTS_DROPPED = Counter(
    "xivo_ctid_cti_slow_clients_dropped",
    "CTI clients disconnected because their output buffer overflowed.",
)


def bind_gauge(gauge: Gauge, read: Callable[[], float]) -> None:
    """Make ``gauge`` report ``read()`` at each scrape (an error reads as NaN)."""

    def safe_read() -> float:
        try:
            return float(read())
        except Exception:
            return float("nan")

    gauge.set_function(safe_read)
