"""Instructions per request of a FastAGI lookup server, the whole process under callgrind.

Starts a private PostgreSQL with the lookup benchmark's table (``--data``, as
``benchmarks.agi_lookup.run``), runs one server (``--server``: xivo-agid with its cache
off, or the hand-written peer) under ``valgrind --tool=callgrind``, warms it up with the
load generator, zeroes the counters, plays ``--seconds`` of load at ``--concurrency``
and dumps: the instructions of everything the server process ran (our code, Twisted,
txpostgres, libpq, the interpreter) divided by the requests it served.  Instruction
counts do not depend on what else the machine is doing; under callgrind the server is
about 50 times slower, so its batches are fuller than in the wall-clock benchmark.

    .venv/bin/python -m benchmarks.agi_lookup.instructions --server xivo --data e164
    .venv/bin/python -m benchmarks.agi_lookup.instructions --server handwritten --data e164

The dump (``--out``) opens with ``callgrind_annotate``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from benchmarks._settings import announce
from benchmarks.agi_lookup.run import wait_until_serving
from benchmarks.agi_lookup.tables import DATA
from testing.services.postgres import PostgresCluster, free_port

SERVERS = {
    "xivo": ["benchmarks.agi_lookup.xivo_server", "--cache-ttl", "0", "--number-format"],
    "handwritten": ["benchmarks.agi_lookup.handwritten_server", "--pool", "4"],
}


def load(port: int, seconds: float, args: argparse.Namespace, unique_from: int) -> dict:
    """One load generator run against ``port``; its JSON report."""
    command = [sys.executable, "-m", "benchmarks.agi_lookup.loadgen", "--port", str(port)]
    command += ["--concurrency", str(args.concurrency), "--seconds", str(seconds)]
    command += ["--warmup", "0", "--contacts", str(args.contacts)]
    command += ["--spelling", DATA[args.data][1], "--unique-from", str(unique_from)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def totals(path: str) -> int:
    """The instruction total of a callgrind dump."""
    with open(path, encoding="utf-8") as dump:
        for line in dump:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise RuntimeError(f"no totals in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", choices=list(SERVERS), default="xivo")
    parser.add_argument("--data", choices=list(DATA), default="e164")
    parser.add_argument("--number-format", help="xivo-agid's (default: e164 for e164 data)")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0, help="measured load")
    parser.add_argument("--out", default="/tmp/agi-lookup.callgrind")
    args = parser.parse_args()
    number_format = args.number_format or ("e164" if args.data == "e164" else "any")
    announce(args, f"{args.server} under callgrind, PostgreSQL outside it", {})
    cluster = PostgresCluster().init()
    cluster.start()
    try:
        cluster.execute(DATA[args.data][0].replace("LAST", str(args.contacts - 1)))
        cluster.execute("VACUUM ANALYZE contacts")
        port = free_port()
        server = SERVERS[args.server] + ([number_format] if args.server == "xivo" else [])
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={args.out}"]
        command += [sys.executable, "-m", *server, "--port", str(port), "--dsn"]
        process = subprocess.Popen([*command, cluster.socket_dsn], stderr=subprocess.DEVNULL)
        try:
            wait_until_serving(port, seconds=120)
            warm = load(port, 5.0, args, 0)
            subprocess.run(["callgrind_control", "--zero", str(process.pid)], check=True)
            measured = load(port, args.seconds, args, warm["sent"])
            time.sleep(0.5)  # the last closes
            subprocess.run(["callgrind_control", "--dump", str(process.pid)], check=True)
        finally:
            process.terminate()
            process.wait(timeout=60)
    finally:
        cluster.destroy()
    served = measured["sent"] - measured["errors"]
    instructions = totals(f"{args.out}.1")
    print(json.dumps({**measured, "instructions_per_request": round(instructions / served)}))


if __name__ == "__main__":
    main()
