"""A small reconnecting pool of PostgreSQL connections.

The pool drops a connection whose query failed at the connection level, reopens
connections in the background (at most once per ``retry_delay`` while the
server is down) and, while no connection can be had, fails at once instead of
making lookups wait for a dead server.  Each connection is opened by
``_pg_connection.open_connection``.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import psycopg2
from psycopg2.extensions import QueryCanceledError
from twisted.internet.defer import Deferred, fail
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.bounded import forward
from xivo.redact import dsn_secrets, redact

from ._pg_connection import PooledConnection, open_connection
from ._source import SourceUnavailable

__all__ = ["PostgresPool"]

log = Logger()
_BROKEN = (psycopg2.OperationalError, psycopg2.InterfaceError)


def _broke(failure: Failure) -> bool:
    """Whether ``failure`` leaves its connection unusable (a query the server stopped,
    e.g. at its ``statement_timeout``, does not)."""
    return bool(failure.check(*_BROKEN)) and not failure.check(QueryCanceledError)


class PostgresPool:
    """Up to ``size`` connections to ``dsn``; queries wait (at most ``max_waiting``) for one.

    ``prepare`` (e.g. a ``PREPARE name AS ...`` statement) runs on every new connection
    before its first query, within ``connect_timeout``.  ``statement_timeout``: seconds
    the server lets a query run before stopping it (see ``open_connection``).
    """

    def __init__(
        self,
        dsn: str,
        *,
        size: int,
        reactor: Any,
        name: str = "postgresql",
        connect_timeout: float = 2.0,
        retry_delay: float = 1.0,
        max_waiting: int = 1000,
        prepare: str | None = None,
        statement_timeout: float | None = None,
    ) -> None:
        self._dsn = dsn
        self._secrets = dsn_secrets(dsn)
        self._prepare = prepare
        self._statement_timeout = statement_timeout
        self.size = size
        self.name = name
        self._reactor = reactor
        self._connect_timeout = connect_timeout
        self._retry_delay = retry_delay
        self._max_waiting = max_waiting
        self._idle: list[PooledConnection] = []
        self._open = 0  # connected or connecting
        self._connecting = 0
        self._waiting: deque[Deferred] = deque()
        self._down = False
        self._retry_call: Any = None
        self._running = False

    @property
    def connected(self) -> int:
        """How many connections are open (idle or busy)."""
        return self._open - self._connecting

    def start(self) -> None:
        """Open the connections in the background."""
        self._running = True
        self._fill()

    def stop(self) -> None:
        """Close the idle connections (busy ones close when they finish) and fail waiters."""
        self._running = False
        if self._retry_call is not None and self._retry_call.active():
            self._retry_call.cancel()
        while self._idle:
            self._discard(self._idle.pop())
        self._fail_waiting("the pool is stopped")

    def run_query(self, sql: str, params: Any) -> Deferred[list[tuple]]:
        """Run one parameterised query on a pooled connection; cancelling cancels it."""
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return self._run_on(conn, sql, params)
            self._discard(conn)
        d = self._wait()
        d.addCallback(self._run_on, sql, params)
        return d

    def _wait(self) -> Deferred[PooledConnection]:
        self._fill()
        if not self._running:
            return fail(SourceUnavailable("the pool is stopped"))
        if self._down and self.connected == 0:
            return fail(SourceUnavailable("the database is unreachable"))
        if len(self._waiting) >= self._max_waiting:
            return fail(SourceUnavailable("too many queries waiting for a connection"))
        d: Deferred[PooledConnection] = Deferred(self._waiting.remove)
        self._waiting.append(d)
        return d

    def _run_on(self, conn: PooledConnection, sql: str, params: Any) -> Deferred[list[tuple]]:
        query = conn.runQuery(sql, params)
        result: Deferred[list[tuple]] = Deferred(lambda _: conn.cancel(query))
        query.addBoth(self._release, conn)
        query.addBoth(forward, result)  # unless ``result`` was cancelled meanwhile
        return result

    def _release(self, outcome: Any, conn: PooledConnection) -> Any:
        if conn.closed or (isinstance(outcome, Failure) and _broke(outcome)):
            self._discard(conn)
            self._fill()
        else:
            self._give(conn)
        return outcome

    def _give(self, conn: PooledConnection) -> None:
        if not self._running:
            self._discard(conn)
        elif self._waiting:
            self._waiting.popleft().callback(conn)
        else:
            self._idle.append(conn)

    def _discard(self, conn: PooledConnection) -> None:
        self._open -= 1
        try:
            conn.close()
        except psycopg2.Error:
            pass

    def _fill(self) -> None:
        # A connect that fails at once (a DSN libpq refuses) schedules the retry before
        # connect() returns: the loop must see it and stop, not try again at once.
        while self._running and self._open < self.size and not self._retrying():
            self._open += 1
            self._connecting += 1
            self._connect()

    def _retrying(self) -> bool:
        return self._retry_call is not None and self._retry_call.active()

    def _connect(self) -> None:
        d = open_connection(
            self._reactor, self._dsn, secrets=self._secrets, prepare=self._prepare,
            timeout=self._connect_timeout, statement_timeout=self._statement_timeout,
        )  # fmt: skip
        d.addBoth(self._connected)

    def _connected(self, outcome: PooledConnection | Failure) -> None:
        self._connecting -= 1
        if not isinstance(outcome, Failure):
            if self._down:
                log.info("directory {source}: database reachable again", source=self.name)
            self._down = False
            self._give(outcome)
            return
        self._open -= 1
        if not self._down:
            error = outcome.getErrorMessage().strip() or outcome.type.__name__
            log.warn(
                "directory {source}: cannot connect to the database: {error}",
                source=self.name,
                error=redact(error, self._secrets),
            )
        self._down = True
        if self.connected == 0:
            self._fail_waiting("the database is unreachable")
        if self._running and not self._retrying():
            self._retry_call = self._reactor.callLater(self._retry_delay, self._fill)

    def _fail_waiting(self, reason: str) -> None:
        while self._waiting:
            self._waiting.popleft().errback(SourceUnavailable(reason))
