"""A FastAGI probe: ``--rate`` reverse lookups a second, one at a time, until SIGTERM.

    python -m benchmarks.login_storm.probe --port 4573 --out probe.json

Each request connects, sends the environment block of benchmarks/agi_lookup's load
generator, answers every command ``200 result=1`` and ends when the server closes; its
wall-clock start and latency are kept, and written as JSON to ``--out`` on SIGTERM so the
caller can take the requests made during any interval.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import time
from array import array

from benchmarks.agi_lookup.loadgen import ENV, caller_number


def lookup(port: int, number: str, n: int) -> None:
    """One FastAGI request; raises on a refused or stalled connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=3) as sock:
        sock.sendall(ENV.format(n=n, number=number).encode())
        buffer = b""
        while data := sock.recv(65536):
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            sock.sendall(b"200 result=1\n" * len(lines))


def figures(record: dict, intervals: list[tuple[float, float]]) -> dict:
    """Lookup p50/p99/max (ms) of the requests of ``record`` (this probe's JSON) started
    in any of the [start, end) ``intervals``."""
    lat = sorted(lat for t, lat in zip(record["starts"], record["latencies"], strict=True)
                 if any(start <= t < end for start, end in intervals))  # fmt: skip
    if not lat:
        return {"lookups": 0}

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2)

    return {"lookups": len(lat), "p50_ms": pct(0.5), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=100.0, help="lookups started per second")
    args = parser.parse_args()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    rng = random.Random(1)
    starts, latencies = array("d"), array("d")
    errors = 0
    n = 0
    due = time.perf_counter()
    while not stop:
        n += 1
        due += 1 / args.rate
        time.sleep(max(0.0, due - time.perf_counter()))
        start, t0 = time.time(), time.perf_counter()
        try:
            lookup(args.port, caller_number(rng, 0.8, args.contacts), n)
        except OSError:
            errors += 1
            time.sleep(0.01)
            continue
        starts.append(start)
        latencies.append(time.perf_counter() - t0)
    with open(args.out, "w") as f:
        json.dump({"starts": list(starts), "latencies": list(latencies), "errors": errors}, f)


if __name__ == "__main__":
    main()
