"""Where plans run: a SQLite file in a thread of its own, or PostgreSQL through txpostgres.

Both run plans one at a time, in the order they were given (one SQLite thread; one
PostgreSQL connection, whose queries queue), so a read sees every write asked before it.
A PostgreSQL plan, or a step of connecting (resolving the host name, which libpq would
do with the reactor held; connecting; making the tables), unanswered within the runner's
timeout (a frozen server) fails with ``StoreError`` and its connection is closed, never
cancelled (libpq's cancel waits for the server with the interpreter held); the next plan
connects again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from typing import Any, Protocol

import psycopg2
from twisted.internet import defer
from twisted.internet.defer import Deferred, DeferredLock
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool
from txpostgres import txpostgres

from xivo.bounded import bounded
from xivo.pg_hosts import thread_resolver, with_host_addresses
from xivo.redact import dsn_secrets, redact
from xivo_cti.userdata._sql import Plan, schema

__all__ = ["PostgresRunner", "Runner", "SQLiteRunner", "StoreError"]

Rows = list[tuple[Any, ...]]
TIMEOUT = 10.0
"""Seconds a PostgreSQL connection (libpq ignores its own timeout here), its set-up or a
plan may take."""


class StoreError(Exception):
    """The store failed; the message is safe to log (no secret)."""


class Runner(Protocol):
    """Runs plans in order, each in one transaction; nothing blocks the reactor."""

    def open(self) -> Deferred[None]: ...
    def run(self, plan: Plan) -> Deferred[Rows]: ...
    def close(self) -> Deferred[None]: ...


def _execute(conn: sqlite3.Connection, plan: Plan) -> Rows:
    rows: Rows = []
    with conn:
        for sql, params in plan:
            cursor = conn.execute(sql.replace("%s", "?"), params)
            rows = cursor.fetchall()
    return rows


class SQLiteRunner:
    """A SQLite database file (its directory made if missing), used from one thread."""

    def __init__(self, path: str, reactor: Any) -> None:
        self.path = path
        self._reactor = reactor
        self._pool = ThreadPool(minthreads=1, maxthreads=1, name="xivo-ctid-userdata")
        self._conn: sqlite3.Connection | None = None

    def open(self) -> Deferred[None]:
        """Open the file and create the missing tables (in the thread)."""
        return self._call(self._open)

    def _open(self) -> None:
        if self._conn is not None:
            return
        os.makedirs(os.path.dirname(self.path) or ".", mode=0o750, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        _execute(conn, schema("sqlite"))
        self._conn = conn

    def run(self, plan: Plan) -> Deferred[Rows]:
        """Run ``plan`` in the thread."""
        return self._call(self._run, plan)

    def _run(self, plan: Plan) -> Rows:
        self._open()  # again if it failed before
        assert self._conn is not None
        return _execute(self._conn, plan)

    def close(self) -> Deferred[None]:
        """Close the file once what was asked before is done, then stop the thread."""
        if not self._pool.started:
            return defer.succeed(None)
        d = self._call(self._close)
        d.addBoth(self._stop_pool)
        return d

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _stop_pool(self, result: Any) -> Any:
        self._pool.stop()  # the thread is idle: joining it is immediate
        return result

    def _call(self, fn: Any, *args: Any) -> Deferred[Any]:
        if not self._pool.started:
            self._pool.start()
        d = deferToThreadPool(self._reactor, self._pool, fn, *args)
        return d.addErrback(self._error)

    def _error(self, failure: Any) -> Any:
        if failure.check(sqlite3.Error, OSError):
            raise StoreError(f"{self.path}: {failure.getErrorMessage()}")
        return failure


async def _execute_async(cursor: Any, plan: Plan) -> Rows:
    rows: Rows = []
    for sql, params in plan:
        await cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description is not None else []
    return rows


def _interaction(cursor: Any, plan: Plan) -> Deferred[Rows]:
    return Deferred.fromCoroutine(_execute_async(cursor, plan))


class PostgresRunner:
    """A PostgreSQL database: one connection, made when first needed and again after
    it broke; the tables are created on connecting."""

    def __init__(self, dsn: str, reactor: Any, timeout: float = TIMEOUT) -> None:
        self._dsn = dsn
        self._secrets = dsn_secrets(dsn)
        self._reactor = reactor
        self._timeout = timeout
        self._resolve = thread_resolver(reactor)
        self._conn: Any = None
        self._lock = DeferredLock()

    def open(self) -> Deferred[None]:
        """Connect and create the missing tables."""
        return self.run([]).addCallback(lambda _: None)

    def run(self, plan: Plan) -> Deferred[Rows]:
        """Run ``plan`` in one transaction."""
        return Deferred.fromCoroutine(self._run(plan))

    async def _run(self, plan: Sequence[tuple[str, tuple[Any, ...]]]) -> Rows:
        await self._lock.acquire()
        try:
            conn = await self._connection()
            d = conn.runInteraction(_interaction, list(plan))  # queued in order
        except psycopg2.Error as e:
            raise self._failed(e) from None
        finally:
            self._lock.release()
        try:
            return await self._bounded(d, conn)
        except StoreError:
            raise
        except txpostgres.RollbackFailed as e:  # the connection broke during the plan
            self._drop(conn)
            raise self._failed(e.originalFailure.value) from None
        except psycopg2.Error as e:
            if isinstance(e, (psycopg2.OperationalError, psycopg2.InterfaceError)):
                self._drop(conn)
            raise self._failed(e) from None
        except Exception as e:  # closed under the plan: an earlier plan was given up
            self._drop(conn)
            raise self._failed(e) from None

    async def _connection(self) -> Any:
        if self._conn is None:
            conn = txpostgres.Connection(reactor=self._reactor)
            try:  # each step bounded (cancelling a connect would go through libpq's cancel)
                dsn = await self._bounded(with_host_addresses(self._dsn, self._resolve), conn)
                await self._bounded(conn.connect(dsn), conn)
                await self._bounded(conn.runInteraction(_interaction, schema("postgresql")), conn)
            except BaseException:
                self._drop(conn)
                raise
            self._conn = conn
        return self._conn

    def _bounded(self, d: Deferred[Any], conn: Any) -> Deferred[Any]:
        """``d``'s outcome, or ``StoreError`` and ``conn`` closed if it is unanswered in
        time (a late answer is dropped)."""
        return bounded(
            d,
            self._timeout,
            self._reactor,
            give_up=lambda: self._drop(conn),
            error=self._unanswered,
        )

    def _unanswered(self) -> StoreError:
        return StoreError(f"no answer from the database in {self._timeout:g} s")

    def _drop(self, conn: Any) -> None:
        if self._conn is conn:
            self._conn = None
        try:
            conn.close()
        except Exception:  # noqa: S110 - never connected, or already closed
            pass

    def _failed(self, error: BaseException) -> StoreError:
        return StoreError(redact(str(error).strip(), self._secrets) or type(error).__name__)

    def close(self) -> Deferred[None]:
        """Close the connection once what was asked before is done."""
        return Deferred.fromCoroutine(self._close())

    async def _close(self) -> None:
        await self._lock.acquire()
        try:
            conn = self._conn
            if conn is not None:
                try:
                    await conn.runQuery("SELECT 1")  # queued after every plan given before
                except psycopg2.Error:
                    pass
                self._drop(conn)
        finally:
            self._lock.release()
