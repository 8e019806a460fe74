"""The calls benchmark's parts shared with ``instructions.py``: the directory, xivo-agid's
settings, the callers, and one round of calls measured (``run_calls``)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from twisted.internet.defer import DeferredSemaphore, gatherResults

from benchmarks.asterisk_calls.cpu import CpuMeter, context_switches
from testing.calls import CallTracker
from testing.pg_directory import agid_config, create_contacts, found_number, unknown_number
from testing.services.asterisk import AsteriskServer
from testing.services.postgres import PostgresCluster
from testing.waiting import sleep

ROWS = 1_000_000
BENCH_LOCK = Path("/tmp/xivo-bench.lock")
"""The lock benchmarks run under, one at a time (``flock -o /tmp/xivo-bench.lock``)."""

# Only the events the benchmark reads: the Originate outcome, the AGI priority's start
# (step clock) and the outcome VarSets.  Without these filters the benchmark's own AMI client
# receives every Newexten/VarSet/Newchannel/... of every call (about 40 events per call) and
# becomes the bottleneck; --all-events keeps that behaviour for comparison.
BENCH_FILTERS = [
    ("name(OriginateResponse)", ""),
    ("name(Newexten),header(Application),method(exact)", "AGI"),
    (
        "name(VarSet),header(Variable),method(regex)",
        "^(XIVO_RESULT_NAME|XIVO_RESULT_NUM|AGISTATUS_SEEN)$",
    ),
]


def load_directory(cluster: PostgresCluster, rows: int) -> str:
    """A fresh, vacuumed table of ``rows`` contacts in ``cluster``; its name."""
    print(f"loading {rows} contacts...", flush=True)
    table = create_contacts(cluster, rows)
    # Vacuum now rather than let autovacuum work on the fresh table during a round.
    cluster.execute(f"VACUUM (ANALYZE, FREEZE) {table}")
    cluster.execute("CHECKPOINT")
    return table


async def committed(cluster: PostgresCluster) -> int:
    """Transactions committed in the directory's database (one per lookup query, one per
    call of this), 1.5 s after a round.  Approximate per round: PostgreSQL 15 sends a busy
    backend's counts at most once a second, and one that goes idle less than a second
    after its last report holds them up to 10 s, so some of a round's queries are counted
    in the next round's (the server measured after xivo-agid shows a few)."""
    await sleep(1.5)
    sql = "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
    return cluster.execute(sql)[0][0]


def call_numbers(calls: int, rows: int) -> list[str]:
    """Callers of ``calls`` calls, each used once: 80% in the directory, 20% unknown."""
    return [unknown_number(i) if i % 5 == 4 else found_number(i * 997 % rows) for i in range(calls)]


# Two-sided 95% quantiles of Student's t by degrees of freedom (1.96 past the table).
_T95 = (
    12.71,
    4.30,
    3.18,
    2.78,
    2.57,
    2.45,
    2.36,
    2.31,
    2.26,
    2.23,
    2.20,
    2.18,
    2.16,
    2.14,
    2.13,
    2.12,
    2.11,
    2.10,
    2.09,
    2.09,
    2.08,
    2.07,
    2.07,
    2.06,
    2.06,
    2.06,
    2.05,
    2.05,
    2.05,
)


def paired_ratio(values: list[float], reference: list[float]) -> tuple[float, float, float]:
    """Round by round ratios of ``values`` to ``reference`` (the same cycle of the
    alternating rounds, so that the machine's drift between cycles cancels): their mean
    and its 95% interval (Student's t; the interval is the mean alone for one round)."""
    ratios = [v / r for v, r in zip(values, reference, strict=True)]
    mean = statistics.mean(ratios)
    if len(ratios) < 2:
        return mean, mean, mean
    t = _T95[len(ratios) - 2] if len(ratios) - 2 < len(_T95) else 1.96
    half = t * statistics.stdev(ratios) / len(ratios) ** 0.5
    return mean, mean - half, mean + half


def agid_settings(cluster: PostgresCluster, table: str, number_format: str) -> dict:
    """xivo-agid's configuration: the shipped one but for its cache (off) and its source
    (``table`` over TCP, numbers stored as ``number_format``)."""
    config = agid_config(cluster, table, cache={"ttl": 0, "size": 0})
    source = config["sources"]["crm"]
    del source["timeout"]  # the shipped one, not the e2e tests' shorter one
    source["number_format"] = number_format
    return config


def disable_events(asterisk: AsteriskServer, names: str) -> None:
    """Turn AMI events ``names`` (comma-separated) off for every AMI session (manager.conf
    ``disabledevents``), in this Asterisk only: other e2e tests read some of them."""
    path = asterisk.etc / "manager.conf"
    text = path.read_text().replace("[general]\n", f"[general]\ndisabledevents = {names}\n", 1)
    path.write_text(text)
    asterisk.cli("manager reload")


class StepClock:
    """Receive times of the AGI priority's Newexten and the next VarSet, per extension."""

    def __init__(self, tracker: CallTracker) -> None:
        self.started: dict[str, float] = {}
        self.steps: list[float] = []
        self.close = tracker.ami.add_event_listener(self._event)

    def _event(self, message) -> None:
        if not message.get("Channel", "").endswith(";2"):
            return
        exten = message.get("Exten", "")
        if message.event == "Newexten" and message.get("Application") == "AGI":
            self.started[exten] = time.perf_counter()
        elif message.event == "VarSet" and message.get("Variable") == "XIVO_RESULT_NAME":
            if exten in self.started:
                self.steps.append(time.perf_counter() - self.started.pop(exten))


async def run_calls(
    tracker: CallTracker,
    port: int,
    numbers: list[str],
    concurrency: int,
    meter: CpuMeter | None = None,
    server: int = 0,
) -> dict:
    """Call from ``numbers``, ``concurrency`` at a time; calls/s, AGI step, CPU per process
    and, given the AGI ``server``'s pid, its context switches per call."""
    clock = StepClock(tracker)
    limit = DeferredSemaphore(concurrency)
    calls = len(numbers)
    before = meter.snapshot() if meter else {}
    switched = context_switches(server) if server else (0, 0)
    started = time.perf_counter()
    outcomes = await gatherResults([limit.run(tracker.call, port, f"<{n}>") for n in numbers])
    elapsed = time.perf_counter() - started
    cpu = meter.since(before, elapsed) if meter else {}
    after = context_switches(server) if server else (0, 0)
    waits, preempted = (n - b for n, b in zip(after, switched, strict=True))
    clock.close()
    steps = sorted(clock.steps)
    named = sum(1 for o in outcomes if o["XIVO_RESULT_NAME"])
    ours = sum(value for name, value in cpu.items() if name not in ("irq", "other"))
    return {
        "calls_per_s": calls / elapsed,
        # Robust to other users' load: calls per CPU second of the processes of the rig.
        "calls_per_cpu_s": calls / elapsed / ours if ours else 0.0,
        "step_p50_ms": 1000 * statistics.median(steps),
        "step_p99_ms": 1000 * steps[int(len(steps) * 0.99) - 1],
        "named": named,
        "calls": calls,
        "waits_per_call": waits / calls,
        "preempted_per_call": preempted / calls,
        **{f"cpu_{name}": value for name, value in cpu.items()},
    }
