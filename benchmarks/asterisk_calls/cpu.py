"""CPU time of the processes of a benchmark round, read from /proc (Linux only).

``CpuMeter({"asterisk": pids_fn, ...})`` takes a snapshot of user + system time per named
group of processes; ``meter.since(snapshot, wall)`` gives each group's CPU seconds per
second of wall time (1.0 = one core busy), ``irq`` and ``other``: the rest of the machine.  The
pid lists are re-read at each snapshot, so a process that ends during a round is only
missing from that round's figure.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

PidSource = Callable[[], list[int]]


def cpu_seconds(pid: int | str, *, kernel_only: bool = False) -> float:
    """User + system (or only system) CPU seconds of ``pid`` (all its threads; or one
    thread, ``"<pid>/task/<tid>"``); 0 if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[12]) + (0 if kernel_only else int(fields[11]))) / TICKS


def children(parent: int) -> list[int]:
    """``parent`` and the processes whose parent it is (one level)."""
    pids = [parent]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            pids.append(int(entry.name))
    return pids


def postmaster_pid(data_dir: str) -> int:
    """The PostgreSQL postmaster's pid, from ``postmaster.pid`` of the data directory."""
    return int(Path(data_dir, "postmaster.pid").read_text().split()[0])


def pin(pids: list[int], cpus: set[int]) -> None:
    """Restrict every thread of ``pids`` (and what they start later) to ``cpus``."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                os.sched_setaffinity(int(task.name), cpus)
            except OSError:
                continue


def renice(pids: list[int], niceness: int) -> None:
    """Set the scheduling niceness of every thread of ``pids``."""
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                os.setpriority(os.PRIO_PROCESS, int(task.name), niceness)
            except OSError:
                continue


def context_switches(pid: int) -> tuple[int, int]:
    """Voluntary (it waited) and involuntary (it was preempted) context switches of
    ``pid``'s main thread so far; (0, 0) if gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    counts = dict(line.split(":\t") for line in status.splitlines() if "ctxt_switches" in line)
    return int(counts["voluntary_ctxt_switches"]), int(counts["nonvoluntary_ctxt_switches"])


def machine_busy() -> tuple[float, float]:
    """CPU seconds all cores spent since boot: busy (all but idle and iowait), and in
    interrupts (irq + softirq: loopback TCP is mostly softirq, charged to no process)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS, (fields[5] + fields[6]) / TICKS


class CpuMeter:
    """CPU seconds per named group of processes, between two snapshots."""

    def __init__(self, groups: dict[str, PidSource]) -> None:
        self.groups = groups

    def snapshot(self) -> dict[str, dict[int, float]]:
        """CPU seconds so far of every process of every group."""
        groups = {
            name: {pid: cpu_seconds(pid) for pid in source()}
            for name, source in self.groups.items()
        }
        busy, interrupts = machine_busy()
        return {**groups, "machine": {0: busy}, "irq": {0: interrupts}}

    def since(self, before: dict[str, dict[int, float]], wall: float) -> dict[str, float]:
        """Each group's CPU seconds per wall second since ``before``, ``irq`` (all
        interrupt time) and ``other``: the rest of the machine's busy time."""
        now = self.snapshot()
        used = {
            name: sum(t - before[name].get(pid, 0.0) for pid, t in pids.items()) / wall
            for name, pids in now.items()
        }
        machine = used.pop("machine")
        return {**used, "other": machine - sum(used.values())}
