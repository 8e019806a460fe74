"""Prometheus metrics of xivo-ctid (AMI link, CTI clients), as one object per daemon.

``CtidMetrics(registry)`` creates and registers them on the registry the operations
HTTP server serves (the process's registry, passed down from ``makeService``).  Gauges
that mirror state held elsewhere (AMI connected, pending actions) are bound to that
state with ``bind_gauge`` when the daemon is built; counters are incremented where the
thing happens, by whoever was given this object.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["CtidMetrics", "bind_gauge"]


class CtidMetrics:
    """The metrics of one xivo-ctid, registered on ``registry``."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.ami_connected = Gauge(
            "xivo_ctid_ami_connected", "1 while the AMI connection is logged in.",
            registry=registry,
        )  # fmt: skip
        self.ami_events = Counter(
            "xivo_ctid_ami_events", "AMI events received (rate() gives events per second).",
            registry=registry,
        )  # fmt: skip
        self.ami_pending_actions = Gauge(
            "xivo_ctid_ami_pending_actions",
            "AMI actions sent and still waiting for their response.",
            registry=registry,
        )
        self.cti_clients = Gauge(
            "xivo_ctid_cti_clients", "CTI client connections open.", registry=registry
        )
        self.slow_clients_dropped = Counter(
            "xivo_ctid_cti_slow_clients_dropped",
            "CTI clients disconnected because their output buffer overflowed.",
            registry=registry,
        )
        self.password_checks_queued = Gauge(
            "xivo_ctid_password_checks_queued",
            "CTI password checks waiting for a check thread.", registry=registry,
        )  # fmt: skip
        self.password_checks_running = Gauge(
            "xivo_ctid_password_checks_running",
            "CTI password checks running (argon2 or bcrypt in a check thread).",
            registry=registry,
        )
        self.password_checks_dropped = Counter(
            "xivo_ctid_password_checks_dropped",
            "Queued CTI password checks dropped unrun because their client left.",
            registry=registry,
        )
        self.login_verifier_cache = Counter(
            "xivo_ctid_login_verifier_cache",
            "CTI passwords answered from the verifier cache (hit) or checked against their"
            " hash in a check thread (miss).",
            ["result"], registry=registry,
        )  # fmt: skip


def bind_gauge(gauge: Gauge, read: Callable[[], float]) -> None:
    """Make ``gauge`` report ``read()`` at each scrape (an error reads as NaN)."""

    def safe_read() -> float:
        try:
            return float(read())
        except Exception:
            return float("nan")

    gauge.set_function(safe_read)
