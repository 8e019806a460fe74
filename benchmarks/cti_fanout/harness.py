"""What a fan-out benchmark's server process does around the server: the CTI half wired as
the benchmarks configure it, the feed on a fixed schedule (``measure.ArrivalClock`` stamps
the pushes), and the figures of the clients' report.  Used by ``benchmarks.bus_fanout``;
the caller installs the daemons' reactor and passes it."""

from __future__ import annotations

import multiprocessing
import time
from array import array
from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry
from twisted.internet import defer, task

from benchmarks.cti_fanout.measure import ArrivalClock, pct
from xivo_cti.app import CTIParts, wire_cti
from xivo_cti.commands import Asterisk
from xivo_cti.cti import CTIConfig
from xivo_cti.metrics import CtidMetrics
from xivo_cti.state import LiveState
from xivo_cti.users import CheckPool, StatusChanged, User, UserStore, default_size

__all__ = ["delivery_figures", "feed_on_schedule", "wait_for", "wire"]


def wire(
    reactor: Any,
    clock: ArrivalClock,
    args: Any,
    table: tuple[User, ...],
    states: Mapping[str, LiveState],
    asterisks: Mapping[str, Asterisk],
    presence: StatusChanged | None = None,
) -> CTIParts:
    """``wire_cti`` with the benchmarks' settings (a free port, logins from one address not
    limited, ``args.push_interval`` and ``args.writes_per_pass``), its password checks
    running; ``states`` and ``asterisks`` are handed over as given."""
    config = CTIConfig(
        port=0,
        max_connections_per_address=100_000,
        max_login_failures_per_address=100_000,
        login_timeout=120,
        push_interval=args.push_interval,
        writes_per_pass=args.writes_per_pass,
    )
    checks = CheckPool(reactor, default_size())
    parts = wire_cti(
        config,
        states=states,
        users=UserStore(None, table),  # type: ignore[arg-type]  # never reloaded here
        asterisks=asterisks,
        clock=clock,
        metrics=CtidMetrics(CollectorRegistry()),
        run_check=checks.run,
        presence=presence,
    )
    checks.startService()
    reactor.addSystemEventTrigger("before", "shutdown", checks.stopService)
    parts.ctx.logins.startService()
    return parts


def wait_for(reactor: Any, out: multiprocessing.Queue, every: float = 0.1) -> defer.Deferred:
    """Fires once the clients' process put something on ``out`` (polled: not blocking)."""

    @defer.inlineCallbacks
    def poll():
        while out.empty():
            yield task.deferLater(reactor, every, lambda: None)

    return poll()


@defer.inlineCallbacks
def feed_on_schedule(
    clock: ArrivalClock, start: float, tick: float, ticks: int, one_tick: Callable[[int], None]
):
    """Call ``one_tick(n)`` at ``start + n * tick`` for each tick (open loop: a late tick is
    not skipped), with ``clock.arrival`` set to that scheduled time; the lateness of each."""
    lateness: list[float] = []
    for n in range(ticks):
        due = start + n * tick
        delay = due - time.time()
        if delay > 0:
            yield task.deferLater(clock, delay, lambda: None)
        lateness.append(max(0.0, time.time() - due))
        clock.arrival = due
        one_tick(n)
        clock.arrival = None
    return lateness


def delivery_figures(report: dict, published: int, lateness: list[float]) -> dict[str, Any]:
    """What the clients' ``report`` says: deliveries, each client's lines and bytes, and
    the delays from AMI arrival (p50, p99, max: all ipbx, then ``by_ipbx``)."""
    by_ipbx = {ipbx: _sorted(data) for ipbx, data in report["delays_by_ipbx"].items()}
    everything = _sorted(report["delays"])
    client_lines, client_bytes = array("q"), array("q")
    client_lines.frombytes(report["client_lines"])
    client_bytes.frombytes(report["client_bytes"])
    return {
        "published": published,
        "deliveries": report["lines"],
        "sampled": len(everything),
        "client_lines": [min(client_lines), max(client_lines)],
        "client_bytes": [min(client_bytes), max(client_bytes)],
        **quantiles(everything),
        "by_ipbx": {ipbx: quantiles(delays) for ipbx, delays in by_ipbx.items()},
        "lateness_p99_ms": pct(sorted(lateness), 0.99),
    }


def _sorted(data: bytes) -> list[float]:
    delays = array("d")
    delays.frombytes(data)
    return sorted(delays)


def quantiles(ordered: list[float]) -> dict[str, float]:
    """p50, p99 and max of sorted delays, in milliseconds."""
    return {"p50_ms": pct(ordered, 0.5), "p99_ms": pct(ordered, 0.99), "max_ms": pct(ordered, 1)}
