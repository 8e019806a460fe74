"""Calls/s and AGI-step latency through the real Asterisk: xivo-agid vs do-nothing servers.

Run as root from the repository (starts Asterisk, PostgreSQL with 1,000,000 contacts,
xivo-agid with its cache off, and two do-nothing FastAGI servers, see trivial_agi.py),
without ``flock`` around it: it takes the benchmark lock itself, then the Asterisk
rig's, never holding one while it waits for the other (``exclusive_all``):

    .venv/bin/python -m benchmarks.asterisk_calls.run [--calls 3000] [--rounds 12]

Each call is an AMI Originate of Local/<exten>@incoming (testing/asterisk/extensions.conf),
80% from numbers in the directory.  Calls/s is calls over wall time at a fixed number of
calls in flight (``--concurrency``), servers alternating round by round; the AGI step is
the time between the AMI Newexten event of the AGI priority and the VarSet of the next
one, as received by the AMI client, also measured one call at a time.  Each round
prints the CPU seconds per wall second of Asterisk, each AGI server, PostgreSQL, this
process and the rest of the machine (``other``: other users' work), and the AGI server's
context switches per call: waits (it slept until something was ready) and preemptions
(the scheduler gave its core to another thread, often one its own send woke), and the
lookups per PostgreSQL query (from ``pg_stat_database``; meaningless for the others).
``--compare DIR`` adds a fourth server, ``compared``: the xivo-agid of the source tree
DIR (a checkout of another branch, or ``.``) on the same settings, in the same rounds;
with ``--compare-tcp`` it reaches PostgreSQL over TCP.  xivo-agid reaches PostgreSQL
by its unix socket, as the shipped configuration does (``host=/var/run/postgresql``;
``--pg-tcp`` makes it TCP), at the niceness its systemd unit gives it (``Nice=-5``;
``--agid-nice``), the compared daemon alike.  At the end, each server's calls/s against
the trivial server's: round by round (each round against the trivial round of the same
cycle, so that the machine's drift between cycles cancels: the mean and its 95%
interval), the best and the median rounds, and calls per CPU second.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from twisted.internet import task
from twisted.internet.defer import Deferred

from benchmarks._settings import announce, load_average, shipped_default
from benchmarks.asterisk_calls._rig import (
    BENCH_FILTERS,
    BENCH_LOCK,
    ROWS,
    agid_settings,
    call_numbers,
    committed,
    disable_events,
    load_directory,
    paired_ratio,
    run_calls,
)
from benchmarks.asterisk_calls.cpu import CpuMeter, children, pin, postmaster_pid, renice
from testing.calls import AgidProcess, CallTracker
from testing.daemons import TWISTD, listening
from testing.services.asterisk import LOCK_PATH, running_asterisk
from testing.services.chroots import exclusive_all
from testing.services.postgres import PostgresCluster, free_port
from testing.waiting import sleep
from xivo_agid.directory._pg_source import PostgresSourceConfig

POOL = shipped_default(PostgresSourceConfig, "concurrency")


def schedule(
    args: argparse.Namespace, asterisk: list[int], servers: list[int], cluster: PostgresCluster
) -> None:
    """``--pin``: Asterisk alone on CPU 0, the rest on the others; ``--nice``: the AGI
    servers and PostgreSQL scheduled before Asterisk's many threads."""
    database = children(postmaster_pid(cluster.data))
    if args.pin:
        others = set(range(os.cpu_count() or 2)) - {0}
        pin(asterisk, {0})
        pin([*servers, *database, os.getpid()], others)
    if args.nice:
        renice([*servers, *database], args.nice)


RUNS = (
    "the test Asterisk 22, xivo-agid (twistd --reactor=xivo, shipped defaults) on a"
    " PostgreSQL source of --rows contacts by its unix socket, and two do-nothing FastAGI"
    " servers"
)


def departures(args: argparse.Namespace) -> dict[str, str]:
    """Each setting that is not the shipped default, and why."""
    changed = {"cache.ttl, cache.size": "0: every call is a real lookup"}
    if args.number_format != "any":
        changed["number_format"] = f"{args.number_format}: how the directory stores its numbers"
    if args.pg_connections != POOL:
        changed["concurrency"] = f"{args.pg_connections}, asked for (shipped: {POOL})"
    if args.pg_tcp:
        changed["dsn"] = "PostgreSQL over TCP, asked for (--pg-tcp)"
    if args.compare_tcp:
        changed["compared: dsn"] = "PostgreSQL over TCP, asked for (--compare-tcp)"
    if args.nice:
        changed["niceness"] = f"{args.nice} for the AGI servers and PostgreSQL, asked for"
    if args.agid_nice != -5:
        changed["xivo-agid's niceness"] = f"{args.agid_nice}, asked for (its unit's: -5)"
    return changed


def report(results: dict[str, list[dict]]) -> None:
    """Print each server's ratio to the trivial one: round by round (mean and 95%
    interval), best and median rounds, per CPU."""

    def ratio(name: str, key: str, pick) -> float:
        return pick(r[key] for r in results[name]) / pick(r[key] for r in results["trivial"])

    for name in [n for n in results if n != "trivial"]:
        mean, low, high = paired_ratio(
            [r["calls_per_s"] for r in results[name]],
            [r["calls_per_s"] for r in results["trivial"]],
        )
        print(
            f"ratio {name} / trivial: round by round {mean:.1%} (95% interval {low:.1%}"
            f" - {high:.1%}), best round {ratio(name, 'calls_per_s', max):.1%},"
            f" median round {ratio(name, 'calls_per_s', statistics.median):.1%},"
            f" calls per CPU second (median) "
            f"{ratio(name, 'calls_per_cpu_s', statistics.median):.1%}"
        )


async def main(args: argparse.Namespace) -> None:
    cluster = PostgresCluster().init()
    cluster.start()
    work = Path(tempfile.mkdtemp(prefix="xivo-bench-"))
    script = str(Path(__file__).with_name("trivial_agi.py"))
    trivial_port, setter_port = free_port(), free_port()
    trivial = subprocess.Popen([sys.executable, script, str(trivial_port)])
    setter = subprocess.Popen([sys.executable, script, str(setter_port), "setter"])
    agid: AgidProcess | None = None
    other: AgidProcess | None = None
    try:
        table = load_directory(cluster, args.rows)
        numbers = call_numbers(args.calls, args.rows)
        config = agid_settings(cluster, table, args.number_format)
        source = config["sources"]["crm"]
        if args.pg_connections != POOL:
            source["concurrency"] = args.pg_connections
        tcp = source["dsn"]
        source["dsn"] = tcp if args.pg_tcp else cluster.socket_dsn
        agid = AgidProcess(work, config)
        await agid.start()
        if args.compare:  # its twistd imports xivo_agid from that tree first
            (work / "compare").mkdir()
            launcher = ("env", f"PYTHONPATH={args.compare}", TWISTD)
            if args.compare_tcp:
                config = copy.deepcopy(config)
                config["sources"]["crm"]["dsn"] = tcp
            other = AgidProcess(work / "compare", config, launcher=launcher)
            await other.start()
        while not (listening(trivial_port) and listening(setter_port)):
            await sleep(0.1)
        with running_asterisk(locked=True) as asterisk:
            if args.disable_events:
                disable_events(asterisk, args.disable_events)
            if args.all_events:
                tracker = await CallTracker.connect(asterisk)
            else:
                tracker = await CallTracker.connect(asterisk, events="dialplan,call")
                await tracker.filter_events(BENCH_FILTERS)
            agid_pid = agid.process.pid
            other_pid = other.process.pid if other is not None else 0
            meter = CpuMeter(
                {
                    "asterisk": asterisk.pids,
                    "xivo-agid": lambda: [agid_pid],
                    **({"compared": lambda: [other_pid]} if other is not None else {}),
                    "trivial": lambda: [trivial.pid, setter.pid],
                    "postgres": lambda: children(postmaster_pid(cluster.data)),
                    "bench": lambda: [os.getpid()],
                }
            )
            servers = [
                ("trivial", trivial_port, trivial.pid),
                ("setter", setter_port, setter.pid),
                ("xivo-agid", agid.port, agid_pid),
            ]
            if other is not None:
                servers.append(("compared", other.port, other_pid))
            agids = [agid_pid, other_pid] if other is not None else [agid_pid]
            schedule(args, asterisk.pids(), [*agids, trivial.pid, setter.pid], cluster)
            if args.agid_nice:  # as its systemd unit (Nice=-5); ``compared`` alike
                renice(agids, args.agid_nice)
            results: dict[str, list[dict]] = {name: [] for name, _, _ in servers}
            for _, port, _ in servers:
                await run_calls(tracker, port, numbers[:200], args.concurrency)  # warm-up
            queries = await committed(cluster)
            for _ in range(args.rounds):
                for name, port, pid in servers:
                    result = await run_calls(
                        tracker, port, numbers, args.concurrency, meter, server=pid
                    )
                    before, queries = queries, await committed(cluster)
                    result["lookups_per_query"] = len(numbers) / max(queries - before - 1, 1)
                    results[name].append(result)
                    print(name, {k: round(v, 2) for k, v in result.items()}, flush=True)
                servers.reverse()  # alternate which server goes first
            for name, port, pid in servers:  # the AGI step with no queueing: one call at a time
                single = numbers[: args.single_calls]
                result = await run_calls(tracker, port, single, 1, meter, server=pid)
                print(name, "one at a time", {k: round(v, 2) for k, v in result.items()})
            tracker.close()
        report(results)
    finally:
        for daemon in (agid, other):
            if daemon is not None:
                await daemon.stop()
        trivial.terminate()
        setter.terminate()
        cluster.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument(
        "--rounds", type=int, default=12, help="rounds per server (the machine drifts: many)"
    )
    parser.add_argument("--single-calls", type=int, default=300, help="calls at concurrency 1")
    parser.add_argument("--pin", action="store_true", help="Asterisk alone on CPU 0")
    parser.add_argument(
        "--pg-tcp", action="store_true", help="xivo-agid reaches PostgreSQL over TCP"
    )
    parser.add_argument(
        "--compare-tcp", action="store_true", help="the compared xivo-agid reaches it over TCP"
    )
    parser.add_argument(
        "--pg-connections", type=int, default=POOL, help=f"xivo-agid's pool (default {POOL})"
    )
    parser.add_argument(
        "--nice", type=int, default=0, help="niceness of the AGI servers and PostgreSQL"
    )
    parser.add_argument(
        "--agid-nice", type=int, default=-5, help="xivo-agid's niceness (its unit's: -5)"
    )
    parser.add_argument(
        "--disable-events", default="", help="AMI events to turn off, e.g. AGIExecStart,AGIExecEnd"
    )
    parser.add_argument("--rows", type=int, default=ROWS, help="contacts in the directory")
    parser.add_argument(
        "--number-format",
        default="e164",
        help="the source's number_format (the directory stores E.164; shipped: any)",
    )
    parser.add_argument(
        "--compare",
        default="",
        help="also run, as server 'compared', the xivo-agid of this source tree (e.g. main's)",
    )
    parser.add_argument(
        "--all-events", action="store_true", help="no AMI event filter (the old harness)"
    )
    parser.add_argument(
        "--lock-timeout", type=float, default=3600.0, help="seconds to wait for the rig's lock"
    )
    options = parser.parse_args()
    announce(options, RUNS, departures(options))
    print(
        "waiting for the Asterisk rig and the benchmark lock, none held while waiting (run"
        f" without a flock around: it would hold {BENCH_LOCK} and this would wait forever)",
        flush=True,
    )
    with exclusive_all([BENCH_LOCK, LOCK_PATH], options.lock_timeout):
        print(f"both held; load average: {load_average()}", flush=True)
        task.react(lambda _reactor: Deferred.fromCoroutine(main(options)))
