"""Replay the recorded ~300-call AMI burst through the AMI parser and LiveState.

Usage: .venv/bin/python -m benchmarks.ami_state.run [--repeat N] [--copies N] [--case NAME]

The recording (tests/data/ami/08_burst_300_calls.txt) is read once into memory and
fed in 64 KiB chunks, as a socket would deliver it, ``--copies`` times per pass with
uniqueids made distinct per copy. Four figures, best of ``--repeat`` passes, pinned to
one core: parsing only; parsing + ``LiveState.apply`` (changes dropped); parsing +
``apply`` with its changes counted (what xivo-ctid hands the views); the same with the
call history recording (``HistoryRecording``) given the changes, every channel of the
recording on a user's line, finished calls gathered by the ``HistoryWriter`` as in the
daemon (whose store writes them from its own thread once a second, off this path).
``--case`` runs one of them only (for instruction counts under callgrind).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

from twisted.internet.task import Clock

from benchmarks._settings import announce
from xivo_cti.ami import AMIParser, Message
from xivo_cti.history import HistoryRecording
from xivo_cti.state import LiveState
from xivo_cti.userdata import HistoryWriter
from xivo_cti.users import Profile, User

RECORDING = Path(__file__).resolve().parents[2] / "tests/data/ami/08_burst_300_calls.txt"
CHUNK = 65536
#: The one line of every channel of the recording: the history's worst case.
RECORDED_LINE = User(
    id="1",
    login="u1",
    password_hash="",
    line="Local/1000@incoming",
    extension="1000",
    context="incoming",
    profile=Profile(name="user", lists=frozenset(), commands=frozenset()),
)


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
    args.add_argument("--case", choices=("parse", "apply", "changes", "history"))
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

    def recording() -> Callable[[Message], object]:
        apply = LiveState().apply
        clock = Clock()  # the writer's flush timer never fires here: rows stay gathered
        writer = HistoryWriter(None, clock, keep=100)  # type: ignore[arg-type]
        history = HistoryRecording(writer, clock, "xivo")
        history.users_changed([RECORDED_LINE])

        def handle(msg: Message) -> None:
            changes = apply(msg)
            if changes:
                counted[0] += len(changes)
                history.changed(changes, "xivo")

        return handle

    cases: list[tuple[str, str, Callable[[], Callable[[Message], object] | None]]] = [
        ("parse", "parse only", lambda: None),
        ("apply", "parse + LiveState.apply", lambda: LiveState().apply),
        ("changes", "parse + apply, changes counted", counting),
        ("history", "same + history recording", recording),
    ]
    print(f"{len(data) / 1e6:.1f} MB, {opts.copies} copies of the recorded burst")
    for case, label, make in cases:
        if opts.case not in (None, case):
            continue
        best = None
        for _ in range(opts.repeat):
            counted[0] = 0
            events, seconds = one_pass(data, make())
            best = seconds if best is None else min(best, seconds)
        print(f"{label:36s} {events:8d} events  {events / best:10,.0f} events/s")
    print(f"changes per pass: {counted[0]}")


if __name__ == "__main__":
    main()
