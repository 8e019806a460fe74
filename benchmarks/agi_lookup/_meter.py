"""What one load generator run cost: CPU per request of the server, PostgreSQL, the load
generator and the rest of the machine, and PostgreSQL's block and query counts."""

from __future__ import annotations

import resource
import time

from benchmarks.asterisk_calls.cpu import children, cpu_seconds, machine_busy, postmaster_pid
from testing.services.postgres import PostgresCluster

_DB_COUNTERS = (
    "SELECT blks_read, blks_hit, xact_commit FROM pg_stat_database"
    " WHERE datname = current_database()"
)


class RunMeter:
    """``start()`` before the load generator runs, ``figures(requests)`` once it exited."""

    def __init__(self, server: int, cluster: PostgresCluster) -> None:
        self._server = server
        self._cluster = cluster
        self._before: dict[str, float] = {}

    def _cpu(self) -> dict[str, float]:
        children_used = resource.getrusage(resource.RUSAGE_CHILDREN)  # the exited load generators
        return {
            "server": cpu_seconds(self._server),
            "server_kernel": cpu_seconds(self._server, kernel_only=True),
            "database": sum(
                cpu_seconds(pid) for pid in children(postmaster_pid(self._cluster.data))
            ),
            "loadgen": children_used.ru_utime + children_used.ru_stime,
            "machine": machine_busy()[0],
        }

    def _database(self) -> dict[str, float]:
        # A backend reports its block and transaction counts at most once a second (an
        # idle one a second after its last query): read once the server's are idle.
        time.sleep(1.5)
        read, hit, queries = self._cluster.execute(_DB_COUNTERS)[0]
        return {"blocks_read": read, "blocks_hit": hit, "queries": queries}

    def start(self) -> None:
        self._before = self._database()
        self._before.update(self._cpu())

    def figures(self, requests: float) -> dict[str, float]:
        """Per request: µs of CPU of each process and of ``other`` (the rest of the
        machine: other users, kernel threads, interrupts), PostgreSQL blocks read from
        outside its shared buffers and found in them; lookups per query."""
        now = self._cpu()
        now.update(self._database())
        used = {k: now[k] - self._before[k] for k in now}
        ours = ("server", "database", "loadgen")
        used["other"] = used["machine"] - sum(used[k] for k in ours)
        us = {f"{k}_us": round(used[k] / requests * 1e6) for k in (*ours, "other")}
        return {
            **us,
            "server_kernel_us": round(used["server_kernel"] / requests * 1e6),
            "database_blocks_read_per_req": round(used["blocks_read"] / requests, 2),
            "database_blocks_hit_per_req": round(used["blocks_hit"] / requests, 2),
            "lookups_per_query": round(requests / max(used["queries"], 1), 1),
        }
