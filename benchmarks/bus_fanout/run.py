"""Bus fan-out benchmark: two xivo-ctid nodes over a private RabbitMQ against one node.

Usage: .venv/bin/python -m benchmarks.bus_fanout.run [--rounds 2] [--clients 500]
       [--rate 2500] [--seconds 10] [--users 100] [--tick 0.002] [--push-interval 0.02]
       [--writes-per-pass 100]

Each round runs, in fresh processes (``node.py``), the order reversed every round:
**two nodes on the bus**, ``a`` holding ipbx a and ``b`` holding ipbx b through one private
RabbitMQ, each fed its own AMI stream at ``--rate`` events/s and serving ``--clients``
supervisors who follow both ipbx; then **two single nodes** at once, each holding both
ipbx with no bus, fed both streams and serving ``--clients`` such clients: each is what
one bus node does (the same clients, pushes and events) without the bus, and two of them
run together so that both cases share the cores alike.  Prints per node the delays from
AMI arrival to delivery, to clients of the same node and of the other one (p50, p99,
max), the bus's part of the latter (from AMI arrival on the holder to the change applied
on the node), CPU per delivered message, and per round the ratio of each bus node's CPU per
delivery to the single nodes' (their mean), the bus's CPU per change on a node (the CPU
difference over the changes the node published and followed) and RabbitMQ's CPU per
change (and how many messages carried the changes).  Fails if a client missed a push or
got one too many, or if a change from the bus could not be matched with its AMI arrival.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time

from benchmarks._settings import announce, load_average, process_cpu
from benchmarks.cti_fanout.run import DEPARTURES
from testing.services.rabbitmq import RabbitMQNode
from xivo_cti.cti import CTIConfig

PASSED = ("clients", "users", "rate", "seconds", "tick", "push_interval", "writes_per_pass")


def start(role: str, args: argparse.Namespace, url: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "benchmarks.bus_fanout.node", "--role", role]
    for name in PASSED:
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    env = {**os.environ, "BUS_URL": url}  # not on the command line: ps shows that
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip


def run_nodes(
    roles: tuple[str, ...], args: argparse.Namespace, rabbit: RabbitMQNode, beam: int
) -> tuple[list[dict], float]:
    """Start ``roles``' nodes, start their feeds together once all are ready; each node's
    JSON result, and RabbitMQ's CPU seconds from the start to the last result."""
    nodes = [start(role, args, rabbit.url) for role in roles]
    for node in nodes:
        assert node.stdout is not None
        while (line := node.stdout.readline()) != "ready\n":
            if not line:
                raise RuntimeError(f"a node ended before it was ready (exit {node.wait()})")
    load = load_average().split()[0]
    begin = float(math.ceil(time.time()) + 1)
    for node in nodes:
        assert node.stdin is not None
        node.stdin.write(f"{begin}\n")
        node.stdin.flush()
    while time.time() < begin:
        time.sleep(0.01)
    cpu0 = process_cpu(beam)
    results = []
    for n, (node, role) in enumerate(zip(nodes, roles, strict=True)):
        out, _ = node.communicate()
        if node.returncode:
            raise RuntimeError(f"node {role} failed (exit {node.returncode})")
        label = f"{role} {n + 1}" if role == "single" else role
        results.append({**json.loads(out.strip().splitlines()[-1]), "load": load, "role": label})
    return results, process_cpu(beam) - cpu0


def row(r: dict) -> str:
    own = "a b" if r["role"].startswith("single") else r["role"]
    cells = [f"{r['role']}", r["load"]]
    for ipbx in ("a", "b"):
        q = r["by_ipbx"].get(ipbx, {"p50_ms": math.nan, "p99_ms": math.nan, "max_ms": math.nan})
        where = "same" if ipbx in own else "other"
        cells.append(f"{q['p50_ms']:.1f} / {q['p99_ms']:.1f} / {q['max_ms']:.0f} ({where})")
    lines, bus = r["client_lines"], r["bus"]
    cells += [f"{bus['p50_ms']:.1f} / {bus['p99_ms']:.1f}", f"{r['lateness_p99_ms']:.1f}",
              f"{r['cpu_feeding']:.0%}",
              f"{r['cpu_us_per_delivery']:.2f}", f"{r['deliveries']:,}",
              f"{lines[0]:,}-{lines[1]:,}", f"{r['reader_cpu']:.0%}"]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def check(r: dict) -> list[str]:
    """What is wrong with a node's round: a push missed or extra, a change not matched."""
    problems = []
    low, high = r["client_lines"]
    if not low == high == r["published"]:
        problems.append(f"{r['role']}: {r['published']} pushes published, clients got {low}-{high}")
    if r.get("unmatched"):
        problems.append(f"{r['role']}: {r['unmatched']} changes from the bus not matched")
    return problems


def summary(round_: int, figures: dict[str, dict], broker: float) -> str:
    """The round's ratios: each bus node's CPU per delivery to the single nodes' mean, the
    bus's CPU per change on each node, RabbitMQ's CPU per change."""
    singles = [figures[f"single {i}"] for i in (1, 2)]
    per_delivery = sum(r["cpu_us_per_delivery"] for r in singles) / 2
    cpu = sum(r["cpu_seconds"] for r in singles) / 2
    text = [f"round {round_}:"]
    for role in ("a", "b"):
        r = figures[role]
        changes = r["changes_published"] + r["changes_followed"]
        text.append(f"node {role} / single nodes, CPU per delivery"
                    f" {r['cpu_us_per_delivery'] / per_delivery:.2f}x, the bus"
                    f" {(r['cpu_seconds'] - cpu) / changes * 1e6:.0f} µs per change;")  # fmt: skip
    changes = sum(figures[i]["changes_published"] for i in ("a", "b"))
    messages = sum(figures[i]["messages_published"] for i in ("a", "b"))
    text.append(f"RabbitMQ {broker / max(1, changes) * 1e6:.0f} µs per change published"
                f" ({changes:,} in {messages:,} messages, each delivered to the node"
                " following it)")  # fmt: skip
    return " ".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=500, help="per node")
    parser.add_argument("--users", type=int, default=100, help="per ipbx")
    parser.add_argument("--rate", type=int, default=2500, help="AMI events/s per ipbx")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--tick", type=float, default=0.002, help="seconds between AMI reads")
    parser.add_argument("--push-interval", type=float, default=CTIConfig.push_interval)
    parser.add_argument("--writes-per-pass", type=int, default=CTIConfig.writes_per_pass)
    args = parser.parse_args()
    if abs(args.rate * args.tick - round(args.rate * args.tick)) > 1e-9:
        parser.error("--rate times --tick must be a whole number of events per read")
    runs = (
        "two xivo-ctid nodes (a, b) over a private RabbitMQ 3.10 (Debian's rabbitmq-server,"
        " defaults; the shipped bus settings), then two single nodes at once, each holding"
        " both ipbx without a bus; each node in its own process on the daemons' reactor, its"
        " clients in another"
    )
    announce(args, runs, {**DEPARTURES, "users": "generated supervisors, half on each ipbx"})
    print("| node | load avg | ipbx a p50 / p99 / max ms | ipbx b p50 / p99 / max ms |"
          " bus p50 / p99 ms | batch lateness p99 ms | CPU feeding | CPU µs/delivery | deliveries |"
          " lines per client | reader CPU |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    problems: list[str] = []
    rabbit = RabbitMQNode()
    try:
        rabbit.start()
        with open(rabbit.env["RABBITMQ_PID_FILE"]) as f:
            beam = int(f.read().strip())
        for n in range(args.rounds):
            order = [("single", "single"), ("a", "b")]
            figures: dict[str, dict] = {}
            broker = 0.0
            for roles in order if n % 2 == 0 else order[::-1]:
                results, cpu = run_nodes(roles, args, rabbit, beam)
                if roles == ("a", "b"):
                    broker = cpu
                for r in results:
                    figures[r["role"]] = r
                    problems += check(r)
                    print(row(r), flush=True)
            print(summary(n + 1, figures, broker), flush=True)
    finally:
        rabbit.destroy()
    for problem in problems:
        print("PROBLEM:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
