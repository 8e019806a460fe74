"""Replay the recorded ~300-call AMI burst through the AMI parser and LiveState.

Usage: .venv/bin/python -m benchmarks.ami_state.run [--repeat N] [--copies N]

The recording (tests/data/ami/08_burst_300_calls.txt) is read once into memory and
fed in 64 KiB chunks, as a socket would deliver it, ``--copies`` times per pass with
uniqueids made distinct per copy. Three figures, best of ``--repeat`` passes, pinned to
one core: parsing only; parsing + ``LiveState.apply`` (changes dropped); parsing +
``apply`` with its changes counted (what xivo-ctid hands the views).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks._settings import announce
from xivo_cti.ami import AMIParser, Message
from xivo_cti.state import LiveState

RECORDING = Path(__file__).resolve().parents[2] / "tests/data/ami/08_burst_300_calls.txt"
CHUNK = 65536


def load(copies: int) -> bytes:
    """The recording repeated ``copies`` times, uniqueids renamed in each copy."""
    data = RECORDING.read_bytes()
    return b"".join(data.replace(b": 17", b": %d7" % n) for n in range(copies))


def one_pass(data: bytes, handle: Callable[[Message], object] | None) -> tuple[int, float]:
    """Feed ``data`` to ``handle``; returns (events, seconds)."""
    parser = AMIParser()
    parser.receive_data(b"Asterisk Call Manager/11.0.0\r\n")
    events = 0
    start = time.perf_counter()
    for i in range(0, len(data), CHUNK):
        parser.receive_data(data[i : i + CHUNK])
        for msg in parser:
            if isinstance(msg, Message) and msg.event is not None:
                events += 1
                if handle is not None:
                    handle(msg)
    return events, time.perf_counter() - start


def main() -> None:
    """Run the three measurements and print them."""
    args = argparse.ArgumentParser()
    args.add_argument("--repeat", type=int, default=5)
    args.add_argument("--copies", type=int, default=4)
    opts = args.parse_args()
    announce(opts, "the project's AMIParser and LiveState (defaults) in this process, on CPU 0")
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    data = load(opts.copies)
    counted = [0]

    def counting() -> Callable[[Message], object]:
        apply = LiveState().apply

        def handle(msg: Message) -> None:
            changes = apply(msg)
            if changes:
                counted[0] += len(changes)

        return handle

    cases: list[tuple[str, Callable[[], Callable[[Message], object] | None]]] = [
        ("parse only", lambda: None),
        ("parse + LiveState.apply", lambda: LiveState().apply),
        ("parse + apply, changes counted", counting),
    ]
    print(f"{len(data) / 1e6:.1f} MB, {opts.copies} copies of the recorded burst")
    for label, make in cases:
        best = None
        for _ in range(opts.repeat):
            counted[0] = 0
            events, seconds = one_pass(data, make())
            best = seconds if best is None else min(best, seconds)
        print(f"{label:36s} {events:8d} events  {events / best:10,.0f} events/s")
    print(f"changes per pass: {counted[0]}")


if __name__ == "__main__":
    main()
