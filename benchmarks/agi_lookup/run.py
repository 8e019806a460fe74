"""Run the FastAGI reverse lookup benchmark end to end and print a Markdown table.

Starts a private PostgreSQL 15 (the test fixture's ``PostgresCluster``), fills a table
of ``--contacts`` rows (``--data``: see ``tables.DATA``), then for each target starts the
server in its own process and runs the load generator (another process) at each
concurrency, the targets in turn reversed round by round: xivo-agid (its shipped defaults;
``--xivo-pool 1 8`` measures each pool size in turn), the equal-work panoramisk peer and
the hand-written Twisted peer (issue 15; ``--peer-pool``, ``--hand-pool``).  Without a
fixed set of callers no number is called twice in the run.  Prints each run's figures,
the CPU per request of the server and of PostgreSQL, and xivo-agid's ratios to the peers.

    .venv/bin/python -m benchmarks.agi_lookup.run --concurrency 20 --seconds 10
    .venv/bin/python -m benchmarks.agi_lookup.run --data e164 --rounds 4 \
        --only "xivo-agid (cache off)" "hand-written Twisted + txpostgres" "panoramisk + psycopg 3"
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

from benchmarks._settings import announce, load_average, shipped_default
from benchmarks.agi_lookup._meter import RunMeter
from benchmarks.agi_lookup.loadgen import ENV
from benchmarks.agi_lookup.tables import DATA
from testing.services.postgres import PostgresCluster, free_port
from xivo_agid.directory._pg_source import PostgresSourceConfig

TARGETS = {
    "xivo-agid (cache off)": (["benchmarks.agi_lookup.xivo_server", "--cache-ttl", "0"], []),
    "panoramisk + psycopg 3": (["benchmarks.agi_lookup.panoramisk_server"], []),
    "hand-written Twisted + txpostgres": (["benchmarks.agi_lookup.handwritten_server"], []),
    "xivo-agid (cache on, 10,000 distinct callers)": (
        ["benchmarks.agi_lookup.xivo_server", "--cache-ttl", "600"],
        ["--callers", "10000"],
    ),
}
"""Name -> (server module and options, load generator options)."""
POOL = shipped_default(PostgresSourceConfig, "concurrency")


def wait_until_serving(port: int, seconds: float = 20.0) -> None:
    """Wait until the server answers a whole FastAGI request.

    A bare connect-and-close probe is not used: panoramisk's server then spins
    forever reading end-of-file before the environment block.
    """
    request = ENV.format(n=0, number="0999999999").encode()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                s.sendall(request)
                while data := s.recv(4096):
                    s.sendall(b"200 result=1\n" * data.count(b"\n"))
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no FastAGI server answering on port {port}")


def runs(args: argparse.Namespace) -> list[tuple[str, tuple[list[str], list[str]], int]]:
    """(name, target, pool) of every server measured in one round, xivo-agid once per pool."""
    measured = []
    for name in args.only:
        target = TARGETS[name]
        if "xivo" not in target[0][0]:
            hand = "handwritten" in target[0][0]
            measured.append((name, target, args.hand_pool if hand else args.peer_pool))
            continue
        for pool in args.xivo_pool:
            measured.append((f"{name}, pool {pool}", target, pool))
    return measured


def measure(
    target: tuple[list[str], list[str]],
    pool: int,
    cluster: PostgresCluster,
    args: argparse.Namespace,
) -> list[dict]:
    """Start one server, run the load generator at each concurrency, stop the server.

    Adds ``RunMeter``'s figures, taken over the load generator's whole run (warm-up
    included).
    """
    target, load_options = target
    port = free_port()
    command = [sys.executable, "-m", *target[:1], "--port", str(port)]
    command += ["--dsn", cluster.socket_dsn, "--pool", str(pool), *target[1:]]
    if "xivo_server" in target[0]:  # the source says how the table stores its numbers
        command += ["--number-format", args.number_format]
    server = subprocess.Popen(command)
    try:
        wait_until_serving(port)
        results = []
        for concurrency in args.concurrency:
            load = [sys.executable, "-m", "benchmarks.agi_lookup.loadgen", "--port", str(port)]
            load += ["--concurrency", str(concurrency), "--seconds", str(args.seconds)]
            load += ["--contacts", str(args.contacts), "--warmup", str(args.warmup)]
            load += ["--spelling", DATA[args.data][1], *load_options]
            if "--callers" not in load_options:  # no number twice in the whole run
                load += ["--unique-from", str(args.sent)]
            meter = RunMeter(server.pid, cluster)
            meter.start()
            out = subprocess.run(load, check=True, capture_output=True, text=True).stdout
            result = json.loads(out.strip().splitlines()[-1])
            if "--callers" not in load_options:
                args.sent += result["sent"]
            result.update(meter.figures(result["requests_per_s"] * (args.seconds + args.warmup)))
            result["load_average"] = load_average()
            results.append(result)
        return results
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[20])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument(
        "--xivo-pool",
        type=int,
        nargs="+",
        default=[POOL],
        help=f"xivo-agid's connections, one run per value (default {POOL}, the shipped one)",
    )
    parser.add_argument(
        "--peer-pool", type=int, default=2, help="the panoramisk peer's connections"
    )
    parser.add_argument(
        "--hand-pool", type=int, default=4, help="the hand-written peer's connections"
    )
    parser.add_argument("--data", choices=list(DATA), default="mixed")
    parser.add_argument("--only", nargs="*", default=list(TARGETS))
    parser.add_argument(
        "--number-format", help="xivo-agid's source's (default: e164 for --data e164, else any)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="passes over all targets, in turn reversed"
    )
    args = parser.parse_args()
    departures = {
        "cache.ttl": "0 (every request a real lookup), 600 in the cached run",
        "dsn": "the benchmark's own PostgreSQL over its unix socket (a DSN names no default)",
    }
    if args.xivo_pool != [POOL]:
        departures["concurrency"] = f"{args.xivo_pool} asked for (shipped: {POOL})"
    args.number_format = args.number_format or ("e164" if args.data == "e164" else "any")
    if args.number_format != "any":
        departures["number_format"] = f"{args.number_format}: how the table stores its numbers"
    runs_what = (
        f"xivo-agid's callerid_lookup on one PostgreSQL source of --contacts rows ({args.data}"
        " data), against the peers in --only: panoramisk + psycopg 3 (equal work, --peer-pool"
        " connections) and the hand-written Twisted peer (--hand-pool connections)"
    )
    announce(args, runs_what, departures)
    args.sent = 0
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still remove the cluster
    cluster = PostgresCluster().init()
    cluster.start()
    try:
        cluster.execute(DATA[args.data][0].replace("LAST", str(args.contacts - 1)))
        cluster.execute("VACUUM ANALYZE contacts")
        # The fresh table's pages written now, by PostgreSQL and then by the kernel, not
        # during the first server's round (its CPU would pay for the writeback).
        cluster.execute("CHECKPOINT")
        os.sync()
        rows = []
        order = runs(args)
        for n in range(args.rounds):
            for name, target, pool in order:
                for result in measure(target, pool, cluster, args):
                    rows.append((n + 1, name, result))
                    print(name, json.dumps(result), file=sys.stderr)
            order.reverse()  # alternate which server goes first
    finally:
        cluster.destroy()
    if args.sent > args.contacts:
        print(f"{args.sent:,} requests for {args.contacts:,} contacts: numbers reused")
    report(rows)


def report(rows: list[tuple[int, str, dict]]) -> None:
    """The table, then xivo-agid's requests/s and CPU per request over each peer's, by round."""
    print(
        "| server | concurrency | req/s | p50 ms | p99 ms | max ms | named | errors"
        " | server CPU µs/req (of which kernel) | database CPU µs/req | load generator"
        " µs/req | rest of the machine µs/req | database blocks read / found per req"
        " | lookups per query | load average |"
    )
    print("| --- " * 15 + "|")
    for _n, name, r in rows:
        print(
            f"| {name} | {r['concurrency']} | {r['requests_per_s']:,.0f} | {r['p50_ms']} |"
            f" {r['p99_ms']} | {r['max_ms']} | {r['named_share']:.0%} | {r['errors']} |"
            f" {r['server_us']} ({r['server_kernel_us']}) | {r['database_us']} |"
            f" {r['loadgen_us']} | {r['other_us']} | {r['database_blocks_read_per_req']} /"
            f" {r['database_blocks_hit_per_req']} | {r['lookups_per_query']} |"
            f" {r['load_average']} |"
        )
    for n in sorted({n for n, _, _ in rows}):
        got = {(name, r["concurrency"]): r for m, name, r in rows if m == n}
        for (ours, concurrency), mine in got.items():
            if not ours.startswith("xivo-agid (cache off)"):
                continue
            for (name, level), r in got.items():
                if name.startswith("xivo-agid") or level != concurrency:
                    continue
                ours_cpu, theirs_cpu = mine["server_us"], r["server_us"]
                both = (ours_cpu + mine["database_us"]) / (theirs_cpu + r["database_us"])
                print(
                    f"round {n}, concurrency {concurrency}, {ours} / {name}: req/s"
                    f" {mine['requests_per_s'] / r['requests_per_s']:.2f}x, server CPU per"
                    f" request {ours_cpu / theirs_cpu:.2f}x, server + database {both:.2f}x"
                )


if __name__ == "__main__":
    main()
