"""System calls per request of xivo-agid's lookup server, by name, under ``perf trace``.

Starts a private PostgreSQL with the lookup benchmark's table (``--data``), then, for
each source tree of ``--trees`` in turn (default: this repository; give a checkout of
another branch too for a before/after) and each ``--concurrency``, starts
``benchmarks.agi_lookup.xivo_server`` from that tree (cache off, PostgreSQL over TCP as in
the calls benchmark), attaches ``perf trace -s`` to it and plays ``--seconds`` of load.
Prints, per run, the system calls per request by name (those failing, e.g. ``EAGAIN``,
in brackets).  Counts barely depend on the machine's load, but batching does: at
concurrency 1 every request is one query.  Run as root, under the benchmark lock:

    flock -o /tmp/xivo-bench.lock .venv/bin/python -m benchmarks.agi_lookup.syscalls \\
        --trees . ../main --concurrency 1 20
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._settings import announce, load_average
from benchmarks.agi_lookup.instructions import load
from benchmarks.agi_lookup.run import wait_until_serving
from benchmarks.agi_lookup.tables import DATA
from testing.services.postgres import PostgresCluster, free_port

_SUMMARY = re.compile(r"\s+(\w+)\s+(\d+)\s+(\d+)\s")
"""A line of ``perf trace -s``: syscall, calls, errors, ..."""


def traced(tree: str, concurrency: int, cluster: PostgresCluster, args, sent: int) -> tuple:
    """One server from ``tree`` under load, traced: (load report, {syscall: (calls, errors)})."""
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.agi_lookup.xivo_server", "--port", str(port)]
    command += ["--dsn", cluster.dsn, "--cache-ttl", "0", "--number-format", args.number_format]
    env = {**os.environ, "PYTHONPATH": tree}
    server = subprocess.Popen(command, cwd=tree, env=env)
    counts: dict[str, tuple[int, int]] = {}
    try:
        wait_until_serving(port)
        args.concurrency = concurrency
        load(port, 1.0, args, sent)  # warm-up
        with tempfile.NamedTemporaryFile("r", suffix=".perf") as out:
            perf = subprocess.Popen(["perf", "trace", "-s", "-o", out.name, "-p", str(server.pid)])
            time.sleep(1.0)  # perf attached
            report = load(port, args.seconds, args, sent + 100_000)
            time.sleep(0.3)  # the last closes
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=30)
            for line in out:
                if match := _SUMMARY.match(line):  # one table per thread: summed
                    calls, errors = counts.get(match[1], (0, 0))
                    counts[match[1]] = (calls + int(match[2]), errors + int(match[3]))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return report, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", nargs="+", default=[str(Path.cwd())])
    parser.add_argument("--data", choices=list(DATA), default="e164")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 20])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured load per run")
    args = parser.parse_args()
    args.number_format = "e164" if args.data == "e164" else "any"
    levels = args.concurrency
    announce(args, "xivo_server of each tree, cache off, under perf trace", {})
    cluster = PostgresCluster().init()
    cluster.start()
    sent = 0
    try:
        cluster.execute(DATA[args.data][0].replace("LAST", str(args.contacts - 1)))
        cluster.execute("VACUUM ANALYZE contacts")
        for concurrency in levels:
            for tree in args.trees:
                report, counts = traced(str(Path(tree).resolve()), concurrency, cluster, args, sent)
                sent += 200_000
                n = report["sent"] - report["errors"]
                total = sum(calls for calls, _ in counts.values()) / n
                shown = sorted(counts.items(), key=lambda item: -item[1][0])
                each = ", ".join(
                    f"{name} {calls / n:.2f}" + (f" ({errors / n:.2f})" if errors else "")
                    for name, (calls, errors) in shown
                    if calls / n >= 0.05
                )
                print(
                    f"{tree}, concurrency {concurrency}: {n} requests, {total:.1f} system calls"
                    f" a request: {each} (load {load_average()})",
                    flush=True,
                )
    finally:
        cluster.destroy()


if __name__ == "__main__":
    main()
