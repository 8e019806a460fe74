"""AMI parsing + dispatch: this project's client against panoramisk, same stream, same run.

Usage: .venv/bin/python -m benchmarks.ami_parse.run [--copies N] [--rounds N]

A feeder process (pinned to core 0) plays Asterisk: banner, login answer, then the recorded
~300-call burst (tests/data/ami/08_burst_300_calls.txt) ``--copies`` times at full speed
over loopback TCP, then closes.  Each client runs in its own process pinned to core 1 and
counts the messages that carry an ``Event`` header, from login to end of stream.
Best of ``--rounds`` rounds, clients alternated.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import subprocess
import sys
from pathlib import Path

from benchmarks._settings import announce
from benchmarks.ami_parse.feeder import serve

ROOT = Path(__file__).resolve().parents[2]
RECORDING = ROOT / "tests/data/ami/08_burst_300_calls.txt"
CLIENTS = {
    "xivo_cti": ["benchmarks.ami_parse.client_xivo"],
    "xivo_cti, all headers read": ["benchmarks.ami_parse.client_xivo", "all"],
    "panoramisk 1.4": ["benchmarks.ami_parse.client_panoramisk"],
}


DEPARTURES = {
    "ami.ping_interval, ami.action_timeout": "3600 s and 60 s (panoramisk: ping_delay 3600):"
    " the feeder answers the Login only, nothing else may time out during the stream",
    "reactor": "Twisted's default epoll reactor, not the daemons' `xivo` one (one socket here:"
    " it changes the dispatch of each ready descriptor, not the parsing measured)",
}


def payload(copies: int) -> bytes:
    """The recording without its banner, ``copies`` times."""
    data = RECORDING.read_bytes()
    if data.startswith(b"Asterisk Call Manager/"):
        data = data.split(b"\r\n", 1)[1]
    return data * copies


def feeder(listener: socket.socket, data: bytes, clients: int) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    serve(listener, data, clients)


def run_client(module: list[str], port: int) -> tuple[int, float]:
    cmd = [sys.executable, "-m", module[0], str(port), *module[1:]]
    pin = ["taskset", "-c", "1"] if os.cpu_count() and os.cpu_count() > 1 else []
    out = subprocess.run(pin + cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{module} failed: {out.stderr[-2000:]}")
    events, seconds = out.stdout.split()[-2:]
    return int(events), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs = "xivo_cti's AMIClientService against panoramisk 1.4's Manager, one process each on CPU 1"
    announce(args, runs, DEPARTURES)
    data = payload(args.copies)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    process = multiprocessing.get_context("fork").Process(
        target=feeder, args=(listener, data, args.rounds * len(CLIENTS))
    )
    process.start()
    best: dict[str, tuple[int, float]] = {}
    try:
        for _ in range(args.rounds):
            for name, module in CLIENTS.items():
                events, seconds = run_client(module, port)
                if name not in best or seconds < best[name][1]:
                    best[name] = (events, seconds)
    finally:
        process.join(timeout=30)
        process.kill()
    print(f"stream: {len(data) / 1e6:.1f} MB, best of {args.rounds} rounds, one core")
    for name, (events, seconds) in best.items():
        print(f"{name:28} {events:>7} events {seconds:7.3f} s {events / seconds:>10,.0f} events/s")
    rates = {name: events / seconds for name, (events, seconds) in best.items()}
    theirs = rates.pop("panoramisk 1.4")
    for name, rate in rates.items():
        print(f"{name} / panoramisk: {rate / theirs:.2f}x")


if __name__ == "__main__":
    main()
