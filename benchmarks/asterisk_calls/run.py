"""Calls/s and AGI-step latency through the real Asterisk: xivo-agid vs a do-nothing server.

Run as root from the repository (starts Asterisk, PostgreSQL with 1,000,000 contacts,
xivo-agid with its cache off, and a trivial FastAGI server):

    .venv/bin/python -m benchmarks.asterisk_calls.run [--calls 3000] [--concurrency 20]

Each call is an AMI Originate of Local/<exten>@incoming (tests/e2e/asterisk/extensions.conf),
80% from numbers in the directory.  Calls/s is calls over wall time at a fixed number of
calls in flight; the AGI step is the time between the AMI Newexten event of the AGI
priority and the VarSet of the next one, as received by the AMI client.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from twisted.internet import task
from twisted.internet.defer import Deferred, DeferredSemaphore, gatherResults

from tests.e2e.harness import AgidProcess, CallTracker, listening, sleep
from tests.e2e.pg_directory import agid_config, create_contacts, found_number, unknown_number
from tests.services.asterisk import free_port, running_asterisk
from tests.services.postgres import PostgresCluster

ROWS = 1_000_000


class StepClock:
    """Receive times of the AGI priority's Newexten and the next VarSet, per extension."""

    def __init__(self, tracker: CallTracker) -> None:
        self.started: dict[str, float] = {}
        self.steps: list[float] = []
        tracker.ami.add_event_listener(self._event)

    def _event(self, message) -> None:
        if not message.get("Channel", "").endswith(";2"):
            return
        exten = message.get("Exten", "")
        if message.event == "Newexten" and message.get("Application") == "AGI":
            self.started[exten] = time.perf_counter()
        elif message.event == "VarSet" and message.get("Variable") == "XIVO_RESULT_NAME":
            if exten in self.started:
                self.steps.append(time.perf_counter() - self.started.pop(exten))


async def run_calls(tracker: CallTracker, port: int, calls: int, concurrency: int) -> dict:
    """Place ``calls`` calls, ``concurrency`` at a time; calls/s and AGI step percentiles."""
    clock = StepClock(tracker)
    limit = DeferredSemaphore(concurrency)
    numbers = [
        unknown_number(i) if i % 5 == 4 else found_number(i * 997 % ROWS) for i in range(calls)
    ]
    started = time.perf_counter()
    outcomes = await gatherResults([limit.run(tracker.call, port, f"<{n}>") for n in numbers])
    elapsed = time.perf_counter() - started
    steps = sorted(clock.steps)
    named = sum(1 for o in outcomes if o["XIVO_RESULT_NAME"])
    return {
        "calls_per_s": calls / elapsed,
        "step_p50_ms": 1000 * statistics.median(steps),
        "step_p99_ms": 1000 * steps[int(len(steps) * 0.99) - 1],
        "named": named,
        "calls": calls,
    }


async def main(args: argparse.Namespace) -> None:
    cluster = PostgresCluster().init()
    cluster.start()
    work = Path(tempfile.mkdtemp(prefix="xivo-bench-"))
    trivial_port = free_port()
    trivial = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("trivial_agi.py")), str(trivial_port)]
    )
    try:
        print(f"loading {ROWS} contacts...", flush=True)
        table = create_contacts(cluster, ROWS)
        agid = AgidProcess(work, agid_config(cluster, table, cache={"ttl": 0, "size": 0}))
        await agid.start()
        while not listening(trivial_port):
            await sleep(0.1)
        with running_asterisk() as asterisk:
            tracker = await CallTracker.connect(asterisk)
            results: dict[str, list[dict]] = {"trivial": [], "xivo-agid": []}
            for port in (trivial_port, agid.port):
                await run_calls(tracker, port, 200, args.concurrency)  # warm-up
            for _ in range(args.rounds):
                for name, port in (("trivial", trivial_port), ("xivo-agid", agid.port)):
                    result = await run_calls(tracker, port, args.calls, args.concurrency)
                    results[name].append(result)
                    print(name, {k: round(v, 2) for k, v in result.items()}, flush=True)
            tracker.close()
        await agid.stop()
        best = {name: max(r["calls_per_s"] for r in rs) for name, rs in results.items()}
        print(
            f"ratio xivo-agid / trivial (best of {args.rounds}):"
            f" {best['xivo-agid'] / best['trivial']:.1%}"
        )
    finally:
        trivial.terminate()
        cluster.destroy()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    task.react(lambda _reactor: Deferred.fromCoroutine(main(options)))
