"""What the login-storm benchmark reads of the machine and of the daemons: peak and
current RSS, the kernel's listen-queue overflows, why xivo-ctid closed clients."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

__all__ = ["closes", "listen_overflows", "peak_rss_mb"]


def peak_rss_mb(pid: int, field: str = "VmHWM") -> float:
    """VmHWM (or another ``field``, VmRSS) of ``pid`` in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def listen_overflows() -> int:
    """The kernel's count of connections dropped because a listen queue was full."""
    head, values = [line.split() for line in Path("/proc/net/netstat").read_text().splitlines()
                    if line.startswith("TcpExt:")][:2]  # fmt: skip
    return int(values[head.index("ListenOverflows")])


def closes(log: str) -> Counter:
    """Why xivo-ctid closed clients, from its log (login timeouts, slow readers...)."""
    reasons: Counter = Counter()
    for line in log.splitlines():
        if "closing CTI client" in line:
            reasons[line.rsplit(": ", 1)[-1]] += 1
        elif "not reading" in line:
            reasons["not reading"] += 1
    return reasons
