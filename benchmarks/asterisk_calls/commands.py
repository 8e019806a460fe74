"""What each AGI command costs the real Asterisk: do-nothing servers that only differ in it.

Run as root from the repository, without ``flock`` around it (it takes the benchmark
lock and the Asterisk rig's, as ``run.py``):

    .venv/bin/python -m benchmarks.asterisk_calls.commands [--servers trivial setter ...]

Each server of ``--servers`` is a ``trivial_agi.py`` server (``SERVERS``: nothing, the
``EXEC MSet`` xivo-agid sends with or without waiting for its reply, the name alone, two
``SET VARIABLE``, ``NOOP``...); no directory, no PostgreSQL.  Same calls and rig as
``run.py`` (AMI Originates, 20 in flight, servers alternating round by round); each
round prints calls/s, the CPU of Asterisk and of the server per call, and the server's
waits per call; at the end, each server's calls/s against the first server's: round by
round (``paired_ratio``: mean and 95% interval), and by the means and the medians of its
rounds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from twisted.internet import task
from twisted.internet.defer import Deferred

from benchmarks._settings import announce, load_average
from benchmarks.asterisk_calls._rig import (
    BENCH_FILTERS,
    BENCH_LOCK,
    call_numbers,
    paired_ratio,
    run_calls,
)
from benchmarks.asterisk_calls.cpu import CpuMeter
from benchmarks.asterisk_calls.trivial_agi import SERVERS
from testing.calls import CallTracker
from testing.daemons import listening
from testing.services.asterisk import LOCK_PATH, running_asterisk
from testing.services.chroots import exclusive_all
from testing.services.postgres import free_port
from testing.waiting import sleep


async def main(args: argparse.Namespace) -> None:
    script = str(Path(__file__).with_name("trivial_agi.py"))
    ports = {name: free_port() for name in args.servers}
    servers = {
        name: subprocess.Popen([sys.executable, script, str(port), name])
        for name, port in ports.items()
    }
    try:
        while not all(listening(port) for port in ports.values()):
            await sleep(0.1)
        numbers = call_numbers(args.calls, 1000)
        with running_asterisk(locked=True) as asterisk:
            tracker = await CallTracker.connect(asterisk, events="dialplan,call")
            await tracker.filter_events(BENCH_FILTERS)
            pids = {name: (lambda pid=p.pid: [pid]) for name, p in servers.items()}
            meter = CpuMeter({"asterisk": asterisk.pids, **pids})
            for port in ports.values():
                await run_calls(tracker, port, numbers[:200], args.concurrency)  # warm-up
            rates: dict[str, list[float]] = {name: [] for name in args.servers}
            order = list(args.servers)
            for _ in range(args.rounds):
                for name in order:
                    pid = servers[name].pid
                    r = await run_calls(tracker, ports[name], numbers, args.concurrency, meter, pid)
                    rates[name].append(r["calls_per_s"])
                    per_call = {
                        k: 1000 * r[f"cpu_{k}"] / r["calls_per_s"] for k in ("asterisk", name)
                    }
                    print(
                        f"{name}: {r['calls_per_s']:.0f} calls/s, Asterisk"
                        f" {per_call['asterisk']:.3f} ms and server {per_call[name]:.3f} ms of"
                        f" CPU a call, {r['waits_per_call']:.2f} waits a call",
                        flush=True,
                    )
                order.reverse()  # alternate which server goes first
            tracker.close()
    finally:
        for process in servers.values():
            process.terminate()
    first = rates[args.servers[0]]
    for name, values in rates.items():
        mean, low, high = paired_ratio(values, first)
        print(
            f"{name} / {args.servers[0]}: round by round {mean:.1%} (95% interval {low:.1%}"
            f" - {high:.1%}), {statistics.mean(values) / statistics.mean(first):.1%} (means),"
            f" {statistics.median(values) / statistics.median(first):.1%} (medians)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=list(SERVERS), choices=list(SERVERS))
    parser.add_argument("--calls", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--lock-timeout", type=float, default=3600.0)
    options = parser.parse_args()
    announce(options, "the test Asterisk 22 and do-nothing FastAGI servers", {})
    with exclusive_all([BENCH_LOCK, LOCK_PATH], options.lock_timeout):
        print(f"both held; load average: {load_average()}", flush=True)
        task.react(lambda _reactor: Deferred.fromCoroutine(main(options)))
