"""CTI fan-out benchmark: xivo-ctid against its floor, N clients, AMI events at a fixed rate.

Usage: .venv/bin/python -m benchmarks.cti_fanout.run [--rounds 2] [--only xivo-ctid ...]
       [--clients 1000] [--rate 5000] [--seconds 10] [--users 100] [--profile supervisor]
       [--tick 0.001] [--push-interval 0.02] [--writes-per-pass 100]
       [--floor-writes-per-pass N]

Each round runs ``server.py`` once per server, in its own process, the servers
alternating (xivo-ctid then the floor, then the floor then xivo-ctid, ...): xivo-ctid
(parser, live state, CTI service) and the floor (``floor.py``: event boundaries only,
the same pre-encoded pushes, the same coalescing interval, the same clients).  Prints
one row per server and round, the ratios xivo-ctid / floor of each round, and fails if
a client of either server missed a push (or got one too many), or if the servers' clients
did not receive the same number of bytes.  ``--only xivo-ctid xivo-ctid-ws`` compares the
CTI port with the web panel's WebSocket listener instead (the same server and pushes, one
message per frame), with the ratios WebSocket / TCP; with ``xivo-ctid-twisted`` (the CTI
port's clients on Twisted's own TCP transport instead of ``DirectWriteServer``), the
ratios direct writes / Twisted's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from benchmarks._settings import announce
from benchmarks.cti_fanout.stream import add_load_options

SERVERS = ("xivo-ctid", "floor", "xivo-ctid-ws", "xivo-ctid-twisted")
DEPARTURES = {
    "cti.port": "0 (a free port)",
    "cti.max_connections_per_address": "100,000: every client comes from 127.0.0.1",
    "cti.max_login_failures_per_address": "100,000: a login being checked counts against its"
    " address, and every client comes from 127.0.0.1",
    "cti.login_timeout": "120 s: a thousand logins at once take longer than 5 s on 2 cores",
    "users": "--users supervisors of a generated list (bcrypt cost 4), not the sample users",
}
PASSED = ("clients", "users", "rate", "seconds", "profile", "tick", "push_interval",
          "writes_per_pass")  # fmt: skip


def one_round(server: str, args: argparse.Namespace) -> dict:
    """Run ``server.py`` for ``server``; its JSON result, with the load average before."""
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    command = [sys.executable, "-m", "benchmarks.cti_fanout.server", "--server", server]
    for name in PASSED:
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    if args.floor_writes_per_pass is not None:
        command += ["--floor-writes-per-pass", str(args.floor_writes_per_pass)]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["load"] = load
    return result


def row(r: dict) -> str:
    lines, size = r["client_lines"], r["client_bytes"]
    return (
        f"| {r['server']} | {r['load']} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |"
        f" {r['max_ms']:.0f} | {r['lateness_p99_ms']:.1f} | {r['cpu_feeding']:.0%} |"
        f" {r['cpu_us_per_delivery']:.2f} | {r['deliveries']:,} |"
        f" {lines[0]:,}-{lines[1]:,} | {size[0] / 1e6:.3f}-{size[1] / 1e6:.3f} |"
        f" {r['reader_cpu']:.0%} | {r['reader_wait_ms'][0]:.1f} / {r['reader_wait_ms'][1]:.1f} |"
        f" {r['kib_per_client']:.1f} | {r['sends_per_client']:.0f} |"
        f" {r['cpu_us_per_send']:.1f} | {r['reads_per_client']:.0f} | {span(r, 'queued')} |"
        f" {span(r, 'to_send')} | {span(r, 'newest')} |"
    )


def span(r: dict, name: str) -> str:
    """A server-side delay's p50 / p99 in milliseconds."""
    p50, p99 = r["server_ms"][name]
    return f"{p50:.1f} / {p99:.1f}"


def ratios(label: str, a: dict, b: dict) -> str:
    """A row of the ratios a / b of the delays and of the CPU per delivery."""
    return (
        f"| {label} | | {a['p50_ms'] / b['p50_ms']:.2f}x | {a['p99_ms'] / b['p99_ms']:.2f}x"
        f" | | | | {a['cpu_us_per_delivery'] / b['cpu_us_per_delivery']:.2f}x | | | | | | |"
        f" {a['sends_per_client'] / max(1, b['sends_per_client']):.2f}x |"
        f" {a['cpu_us_per_send'] / b['cpu_us_per_send']:.2f}x | | | | |"
    )


def check(r: dict) -> list[str]:
    """What is wrong with a round's deliveries: every client gets every push, once."""
    low, high = r["client_lines"]
    if low == high == r["published"]:
        return []
    return [f"{r['server']}: {r['published']} pushes published, clients got {low}-{high}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--only", nargs="+", choices=SERVERS, default=list(SERVERS[:2]))
    add_load_options(parser)
    args = parser.parse_args()
    runs = (
        "xivo-ctid (AMIParser, LiveState, CTI service; xivo-ctid-ws: its clients on the web"
        " panel's WebSocket listener) and its floor, each round in its own process on the"
        " daemons' reactor, clients in another"
    )
    announce(args, runs, DEPARTURES)
    print(
        "| server | load avg | p50 ms | p99 ms | max ms | batch lateness p99 ms | server CPU"
        " feeding | server CPU µs/delivery | deliveries | lines per client |"
        " MB per client | reader CPU | reader wait p50 / p99 ms | KiB/client |"
        " sends per client | server CPU µs/send |"
        " reads per client | AMI arrival -> write() ms | write() -> send ms |"
        " newest push at send ms |"
    )
    print("|" + " --- |" * 20)
    problems: list[str] = []
    for n in range(args.rounds):
        order = args.only if n % 2 == 0 else args.only[::-1]
        results = {}
        for server in order:
            results[server] = r = one_round(server, args)
            problems += check(r)
            print(row(r), flush=True)
        if "xivo-ctid" in results and "floor" in results:
            ctid, floor = results["xivo-ctid"], results["floor"]
            if ctid["client_bytes"] != floor["client_bytes"]:
                problems.append(f"round {n + 1}: bytes per client differ between the servers")
            print(ratios(f"round {n + 1}: xivo-ctid / floor", ctid, floor), flush=True)
        if "xivo-ctid" in results and "xivo-ctid-ws" in results:
            ws, tcp = results["xivo-ctid-ws"], results["xivo-ctid"]
            print(ratios(f"round {n + 1}: WebSocket / TCP", ws, tcp), flush=True)
        if "xivo-ctid" in results and "xivo-ctid-twisted" in results:
            direct, twisted = results["xivo-ctid"], results["xivo-ctid-twisted"]
            print(ratios(f"round {n + 1}: direct writes / Twisted's", direct, twisted), flush=True)
    for problem in problems:
        print("MISSED OR EXTRA PUSHES:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
