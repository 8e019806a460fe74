"""What a benchmark runs, printed before it starts: its options and each departure from
the shipped defaults with the reason for it."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping


def announce(
    args: argparse.Namespace, runs: str, departures: Mapping[str, str] | None = None
) -> None:
    """Print the options, what is measured, and every setting that is not the default."""
    options = " ".join(f"--{k.replace('_', '-')} {_shown(v)}" for k, v in vars(args).items())
    lines = [f"options: {options}", f"runs: {runs}"]
    if departures:
        lines.append("not the shipped defaults, and why:")
        lines += [f"  {setting}: {why}" for setting, why in departures.items()]
    else:
        lines.append("every setting is the shipped default")
    lines.append(f"load average: {load_average()}")
    print("\n".join(lines), flush=True)


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages (other users' work shows here)."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process ``pid`` has used so far (/proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_queue_wait(thread: str = "thread-self") -> float:
    """Seconds a thread (the caller's, or ``"<pid>/task/<tid>"``) has waited runnable for a
    CPU (/proc schedstat; 0 where the kernel does not say): on a shared machine, time the
    measured code did not run."""
    try:
        with open(f"/proc/{thread}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except OSError:
        return 0.0


def _shown(value: object) -> str:
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def shipped_default(config_class: type, name: str) -> object:
    """The default of setting ``name`` in a configuration dataclass."""
    return config_class.__dataclass_fields__[name].default
