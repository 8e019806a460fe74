"""Instructions per call of xivo-agid through the real Asterisk, the daemon under callgrind.

Run as root from the repository, without ``flock`` around it (it takes the benchmark
lock and the Asterisk rig's, as ``run.py``):

    .venv/bin/python -m benchmarks.asterisk_calls.instructions [--calls 300]

Same rig, directory and xivo-agid configuration as ``run.py`` (twistd, shipped defaults
but the cache off, PostgreSQL over TCP), xivo-agid under ``valgrind --tool=callgrind``.
After 100 warm-up calls the counters are zeroed, ``--calls`` calls are placed
``--concurrency`` at a time (2: under callgrind the daemon is about 50 times slower, so
more in flight would fill batches no real round has), and the instructions of everything
the daemon ran in user space (our code, Twisted, txpostgres, libpq, the interpreter) are
divided by the calls.  Instruction counts do not depend on the machine's load: compare
them with ``benchmarks.agi_lookup.instructions`` to tell more work per call from the same
work run slower.  The dump (``--out``) opens with ``callgrind_annotate``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from twisted.internet import task
from twisted.internet.defer import Deferred

from benchmarks._settings import announce
from benchmarks.agi_lookup.instructions import totals
from benchmarks.asterisk_calls._rig import (
    BENCH_FILTERS,
    BENCH_LOCK,
    ROWS,
    agid_settings,
    call_numbers,
    load_directory,
    run_calls,
)
from testing.calls import AgidProcess, CallTracker
from testing.daemons import TWISTD
from testing.services.asterisk import LOCK_PATH, running_asterisk
from testing.services.chroots import exclusive_all
from testing.services.postgres import PostgresCluster
from testing.waiting import sleep

WARM_UP = 100


async def main(args: argparse.Namespace) -> None:
    cluster = PostgresCluster().init()
    cluster.start()
    launcher = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={args.out}"]
    agid: AgidProcess | None = None
    try:
        table = load_directory(cluster, args.rows)
        numbers = call_numbers(WARM_UP + args.calls, args.rows)
        config = agid_settings(cluster, table, args.number_format)
        work = Path(tempfile.mkdtemp(prefix="xivo-bench-"))
        agid = AgidProcess(work, config, launcher=[*launcher, sys.executable, TWISTD])
        await agid.start(timeout=300)
        pid = str(agid.process.pid)
        with running_asterisk(locked=True) as asterisk:
            tracker = await CallTracker.connect(asterisk, events="dialplan,call")
            await tracker.filter_events(BENCH_FILTERS)
            await run_calls(tracker, agid.port, numbers[:WARM_UP], args.concurrency)
            subprocess.run(["callgrind_control", "--zero", pid], check=True)
            measured = await run_calls(tracker, agid.port, numbers[WARM_UP:], args.concurrency)
            await sleep(1.0)  # the last connections closed
            subprocess.run(["callgrind_control", "--dump", pid], check=True)
            tracker.close()
    finally:
        if agid is not None:
            await agid.stop()
        cluster.destroy()
    per_call = totals(f"{args.out}.1") / args.calls
    print(json.dumps({**measured, "instructions_per_call": round(per_call)}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rows", type=int, default=ROWS, help="contacts in the directory")
    parser.add_argument("--number-format", default="e164", help="as run.py's")
    parser.add_argument("--out", default="/tmp/agid-calls.callgrind")
    parser.add_argument("--lock-timeout", type=float, default=3600.0)
    options = parser.parse_args()
    announce(
        options,
        "xivo-agid under callgrind, calls through the test Asterisk 22",
        {
            "cache.ttl, cache.size": "0: every call is a real lookup",
            "number_format": f"{options.number_format}: how the directory stores its numbers",
        },
    )
    with exclusive_all([BENCH_LOCK, LOCK_PATH], options.lock_timeout):
        task.react(lambda _reactor: Deferred.fromCoroutine(main(options)))
