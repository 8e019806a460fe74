"""Reactor pass lengths of a daemon under a benchmark: twistd on a timed reactor.

    python -m benchmarks.login_storm.passes OUT.json <twistd arguments>

Runs twistd (its ``--reactor`` option dropped) on ``TimedReactor``: the daemons' reactor
(``xivo.ops.reactor``) noting each pass, from the moment ``epoll_wait`` returns to the
next call of it (the events of that pass, then the timers and thread callbacks due): how
long a new FastAGI connection can wait to be noticed.  Each pass is measured in the
reactor thread's CPU time (what the daemon's code costs; on a shared machine the wall
time adds the moments the thread waited for a CPU, also kept).  A pass of ``OVER`` (1 ms)
of CPU or more is kept with the seconds it spent on timers and on each kind of event
(``accept <factory>``, ``read <protocol>``, ...: wall time, a CPU clock per event costs
too much); all are counted.  Each full garbage collection (generation 2: a pause in
whatever pass allocates) is kept with its length.  Written as JSON to
OUT.json when the reactor stops.  ``summary`` gives the figures of an interval.
"""

from __future__ import annotations

import ctypes
import gc
import json
import sys
import time
from collections import Counter, defaultdict
from typing import Any

from xivo.ops.reactor import DaemonReactor

OVER = 0.001  # CPU seconds: passes shorter than this are only counted


class TimedReactor(DaemonReactor):
    """``DaemonReactor`` keeping the length and make-up of each long pass."""

    def __init__(self) -> None:
        super().__init__()
        self.passes = 0
        self.long: list[tuple[float, float, float, float, dict[str, float]]] = []
        self._woke = 0.0
        self._woke_cpu = 0.0
        self._timers = 0.0
        self._kinds: dict[tuple[type, str], float] = defaultdict(float)
        self.memory: dict[str, Any] = {}
        self.collections: list[tuple[float, int, float]] = []
        self._poller = _Woken(self._poller, self)
        self._collecting = 0.0
        gc.callbacks.append(self._collection)

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        """Each garbage collection of a whole generation 2 (a pause of the reactor in
        whatever pass allocates), with its length."""
        if info["generation"] < 2:
            return
        if phase == "start":
            self._collecting = time.perf_counter()
        else:
            took = time.perf_counter() - self._collecting
            self.collections.append((time.time() - took, info["generation"], took))

    def doPoll(self, timeout: float | None) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        if self._woke:
            self.passes += 1
            if cpu - self._woke_cpu >= OVER:
                wall = now - self._woke
                start = time.time() - wall
                self.long.append(
                    (start, cpu - self._woke_cpu, wall, self._timers, _named(self._kinds))
                )
        self._kinds.clear()
        self._timers = 0.0
        super().doPoll(timeout)

    doIteration = doPoll

    def _doReadOrWrite(self, selectable: Any, fd: int, event: int) -> None:
        kind = _kind(selectable, event)  # before: a lost connection drops its protocol
        start = time.perf_counter()
        super()._doReadOrWrite(selectable, fd, event)
        self._kinds[kind] += time.perf_counter() - start

    def runUntilCurrent(self) -> None:
        start = time.perf_counter()
        super().runUntilCurrent()
        self._timers += time.perf_counter() - start

    def dump(self, path: str) -> None:
        with open(path, "w") as f:
            record = {"passes": self.passes, "long": self.long, "memory": self.memory}
            json.dump({**record, "collections": self.collections}, f)

    def note_memory(self) -> None:
        """What holds memory as the daemon stops: malloc's bytes in use and free in the
        main arena (glibc ``mallinfo2``; ``malloc_stats`` writes every arena's to the
        log), Python's allocated blocks, the most numerous objects of ours, before and
        after a full garbage collection (what only waited for one, and what is held);
        the frozen start-up heap (``xivo.ops.heap``) is unfrozen first, so it counts."""
        gc.unfreeze()
        info = _MallInfo2.in_process()
        sys.stderr.flush()
        ctypes.CDLL(None).malloc_stats()
        waiting = _ours()
        self.memory = {
            "malloc_in_use_mb": round(info.uordblks / 2**20, 1),
            "malloc_free_mb": round(info.fordblks / 2**20, 1),
            "malloc_mmapped_mb": round(info.hblkhd / 2**20, 1),
            "python_blocks": sys.getallocatedblocks(),
            "ours": waiting.most_common(6),
            "collected": gc.collect(),
            "ours_held": _ours().most_common(6),
        }


def _ours() -> Counter:
    return Counter(type(o).__qualname__ for o in gc.get_objects()
                   if str(type(o).__module__).startswith("xivo"))  # fmt: skip


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]  # fmt: skip

    @classmethod
    def in_process(cls) -> _MallInfo2:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
        mallinfo2.restype = cls
        return mallinfo2()


class _Woken:
    """The reactor's epoll object, noting when each ``poll`` returns."""

    def __init__(self, poller: Any, reactor: TimedReactor) -> None:
        self._poller = poller
        self._reactor = reactor

    def poll(self, timeout: float, maxevents: int) -> list[tuple[int, int]]:
        ready = self._poller.poll(timeout, maxevents)
        self._reactor._woke, self._reactor._woke_cpu = time.perf_counter(), time.thread_time()
        return ready

    def __getattr__(self, name: str) -> Any:
        return getattr(self._poller, name)


def _kind(selectable: Any, event: int) -> tuple[type, str]:
    """What an event dispatches to (kept as types: named only for the long passes)."""
    protocol = getattr(selectable, "protocol", None)
    if protocol is not None:
        return type(protocol), "read " if event & 1 else "write/close "
    factory = getattr(selectable, "factory", None)
    if factory is not None:
        return type(factory), "accept "
    return type(selectable), ""


def _named(kinds: dict[tuple[type, str], float]) -> dict[str, float]:
    return {f"{verb}{what.__name__}": seconds for (what, verb), seconds in kinds.items()}


def summary(record: dict, start: float, end: float) -> dict:
    """Passes overlapping [start, end), in CPU time: how many of 10 ms and more, of 50 ms
    and more, the longest (and its wall time), and the seconds of passes of 5 ms and more
    by kind of work."""
    long = [p for p in record["long"] if start - p[2] < p[0] < end]
    over5 = [p for p in long if p[1] >= 0.005]
    kinds: dict[str, float] = defaultdict(float)
    for _start, _cpu, _wall, timers, parts in over5:
        kinds["timers"] += timers
        for kind, seconds in parts.items():
            kinds[kind] += seconds
    top = sorted(kinds.items(), key=lambda kv: -kv[1])[:4]
    longest = max(long, key=lambda p: p[1], default=(0.0, 0.0, 0.0))
    full = [took for at, _gen, took in record["collections"] if start <= at < end]
    return {
        "full_collections": f"{len(full)} ({max(full, default=0.0) * 1000:.0f} ms)",
        "passes_5ms": len(over5),
        "passes_10ms": sum(1 for p in long if p[1] >= 0.010),
        "passes_50ms": sum(1 for p in long if p[1] >= 0.050),
        "longest_ms": f"{longest[1] * 1000:.1f} ({longest[2] * 1000:.1f} wall)",
        "in_5ms_passes_s": round(sum(p[1] for p in over5), 2),
        "by_kind_s": {kind: round(seconds, 3) for kind, seconds in top},
    }


def report_passes(rows: list[dict], timings: dict[str, dict]) -> None:
    """A table of each daemon's long reactor passes in each round."""
    print("| daemon | round | passes >= 5 ms CPU | >= 10 ms | >= 50 ms | longest ms CPU (wall)"
          " | CPU s in passes >= 5 ms | on (s, wall) | full collections (longest) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for plugin, record in timings.items():
        for row in rows:
            s = summary(record, row["start"], row["end"])
            kinds = ", ".join(f"{kind} {seconds}" for kind, seconds in s["by_kind_s"].items())
            print(f"| {plugin} | {row['round']} | {s['passes_5ms']} | {s['passes_10ms']} |"
                  f" {s['passes_50ms']} | {s['longest_ms']} | {s['in_5ms_passes_s']} |"
                  f" {kinds or '-'} | {s['full_collections']} |")  # fmt: skip


def main() -> None:
    out, args = sys.argv[1], [a for a in sys.argv[2:] if not a.startswith("--reactor")]
    reactor = TimedReactor()
    from twisted.internet.main import installReactor

    installReactor(reactor)
    reactor.addSystemEventTrigger("before", "shutdown", reactor.note_memory)
    reactor.addSystemEventTrigger("after", "shutdown", reactor.dump, out)
    from twisted.scripts.twistd import run

    sys.argv = ["twistd", *args]
    run()


if __name__ == "__main__":
    main()
