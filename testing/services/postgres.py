"""Test service: a private PostgreSQL 15 cluster on a free loopback port.

``PostgresCluster`` is also used by the benchmarks.  The session fixture
``postgres_server`` skips (outside CI) when PostgreSQL is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

__all__ = ["PG_BIN", "PostgresCluster", "free_port", "postgres_server"]

PG_BIN = os.environ.get("XIVO_TEST_PG_BIN", "/usr/lib/postgresql/15/bin")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl in a temporary directory, run as the ``postgres`` user when root.

    ``dsn`` connects over TCP, ``socket_dsn`` over the unix socket in the directory.
    Tuned for tests (no fsync); ``stop()``/``start()`` simulate an outage.
    """

    def __init__(self, base_dir: str | None = None, *, port: int | None = None) -> None:
        self.dir = tempfile.mkdtemp(prefix="xivo-pg-", dir=base_dir)
        self.data = os.path.join(self.dir, "data")
        self.port = port or free_port()
        self.dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        self.socket_dsn = f"host={self.dir} port={self.port} user=postgres dbname=postgres"
        self.running = False
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o755)
            shutil.chown(self.dir, "postgres", "postgres")

    @staticmethod
    def available() -> bool:
        """Whether the PostgreSQL server binaries are installed."""
        return os.path.exists(os.path.join(PG_BIN, "pg_ctl"))

    def _run(self, args: Sequence[str]) -> None:
        command = [os.path.join(PG_BIN, args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> PostgresCluster:
        """Create the cluster (trust authentication, user ``postgres``)."""
        self._run(["initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "-N"])
        return self

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        log = os.path.join(self.dir, "server.log")
        self._run(["pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start"])
        self.running = True

    def stop(self) -> None:
        """Stop the server (fast shutdown: sessions are disconnected)."""
        if self.running:
            self._run(["pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])
            self.running = False

    def destroy(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def execute(self, sql: str, params: Any = None) -> list[tuple]:
        """Run SQL synchronously (test code only); rows if it returns any."""
        import psycopg2

        conn = psycopg2.connect(self.dsn)
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall() if cur.description else []
        finally:
            conn.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresCluster]:
    """A running private PostgreSQL cluster for the whole test session."""
    if not PostgresCluster.available() and os.environ.get("CI") != "true":
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}")
    cluster = PostgresCluster().init()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.destroy()
