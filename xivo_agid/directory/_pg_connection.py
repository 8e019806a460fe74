"""One PostgreSQL connection of the pool: psycopg2's asynchronous connection driven by
the reactor.

Once connected, the socket is watched for reading until the connection is closed: no
reactor registration per query.  A result is handed over at the start of the next
reactor pass, after the other sockets ready in the pass that read it (in the same pass,
the pool's next query left before their lookups could join it: smaller batches, more
database CPU per lookup).  What the reactor watches is a duplicate of libpq's
descriptor, so that libpq closing its own when the server drops the connection leaves
the watch valid until ``close``.  While connecting, libpq may move to another socket
(another address of the host): each step is watched afresh.  A connection dropped by
the server (restart, ``pg_terminate_backend``) is closed quietly, and its error, like
every error it logs, has the DSN's secrets masked.  A query is never cancelled through
libpq (``PQcancel`` opens a connection and waits for the server with the interpreter
held: a frozen server would stop the whole daemon): ``open_connection`` sets the server's
``statement_timeout``, so that the server ends a query past it itself, and a cancelled
query still unanswered ``GIVE_UP`` seconds past that has its connection closed.
"""

from __future__ import annotations

import math
import os
from typing import Any

import psycopg2
from psycopg2.extensions import POLL_OK, POLL_WRITE
from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.bounded import bounded
from xivo.pg_hosts import thread_resolver, with_host_addresses
from xivo.redact import redact

__all__ = ["GIVE_UP", "PooledConnection", "open_connection"]

log = Logger()
GIVE_UP = 1.0
"""Seconds a cancelled query may stay unanswered, past the server's statement timeout,
before its connection is closed."""


class PooledConnection:
    """A psycopg2 asynchronous connection, one query at a time, as a reactor descriptor;
    ``give_up``: seconds a cancelled query may stay unanswered."""

    def __init__(
        self, reactor: Any, secrets: tuple[str, ...] = (), give_up: float = GIVE_UP
    ) -> None:
        self._reactor = reactor
        self._secrets = secrets
        self._give_up_after = give_up
        self._conn: Any = None  # psycopg2's connection, once connect() is called
        self._cursor: Any = None
        self._fd = -1  # the descriptor the reactor watches
        self._connecting = False
        self._closed = False
        self._pending: Deferred[Any] | None = None  # the connect or the running query
        self._fetch = False
        self._cancelled = False
        self._give_up: Any = None  # closes the connection of a cancelled query left unanswered

    @property
    def closed(self) -> bool:
        """Whether it was closed, or the server dropped it."""
        return self._closed or self._conn is None or bool(self._conn.closed)

    def connect(self, dsn: str) -> Deferred[None]:
        """Open the connection; errbacks with libpq's error if it cannot."""
        if self._closed:  # closed while its host name was being resolved
            return fail(psycopg2.OperationalError("the connection was closed"))
        try:
            self._conn = psycopg2.connect(dsn, async_=1)
        except psycopg2.Error:
            return fail()
        self._connecting = True
        d: Deferred[None] = Deferred()
        self._pending = d
        self._connect_step()
        return d

    def runQuery(self, sql: str, params: Any = None) -> Deferred[list[tuple]]:
        """Run ``sql`` with ``params``; fires with its rows once the server answered."""
        return self._execute(sql, params, fetch=True)

    def runOperation(self, sql: str) -> Deferred[None]:
        """Run ``sql`` (statements returning no rows); fires once the server answered."""
        return self._execute(sql, None, fetch=False)

    def cancel(self, query: Deferred[Any]) -> None:
        """Give ``query`` up: it fails with ``CancelledError`` when the server ends it
        (its ``statement_timeout``), or fires with its rows if it ended first; unanswered
        ``give_up`` seconds from now, the connection is closed."""
        if query is self._pending and not self._connecting and not self._cancelled:
            self._cancelled = True
            self._give_up = self._reactor.callLater(self._give_up_after, self._unanswered)

    def _unanswered(self) -> None:
        self._give_up = None
        log.info(
            "database query unanswered {seconds:g} s after it was given up: connection closed",
            seconds=self._give_up_after,
        )
        self.close()

    def close(self) -> None:
        """Stop watching the socket, close the connection, fail what was pending."""
        if self._closed:
            return
        self._closed = True
        self._unwatch()
        if not self._connecting and self._fd >= 0:
            os.close(self._fd)
        self._fd = -1
        if self._conn is not None:
            self._conn.close()
        self._settle(Failure(psycopg2.OperationalError("the connection was closed")))

    def _execute(self, sql: str, params: Any, *, fetch: bool) -> Deferred[Any]:
        if self._pending is not None or self.closed:
            return fail(psycopg2.InterfaceError("the connection is busy or closed"))
        try:
            self._cursor.execute(sql, params)
        except psycopg2.Error:
            return fail()
        d: Deferred[Any] = Deferred()
        self._pending, self._fetch = d, fetch
        self._query_step()  # sends what the execute could not, if anything
        return d

    # The reactor's side (IReadWriteDescriptor).

    def fileno(self) -> int:
        return self._fd

    def logPrefix(self) -> str:
        return "postgresql"

    def doRead(self) -> None:
        if self._connecting:
            self._connect_step()
        else:
            self._query_step()

    def doWrite(self) -> None:
        if self._connecting:
            self._connect_step()
        else:
            self._reactor.removeWriter(self)
            self._query_step()

    def connectionLost(self, reason: Failure) -> None:
        if self.closed:
            return
        try:  # libpq's own account of what happened, if it has one
            self._conn.poll()
        except psycopg2.Error:
            reason = Failure()
        self._lost(reason)

    # Steps.

    def _connect_step(self) -> None:
        self._unwatch()  # before poll(): libpq may close this socket for another
        try:
            state = self._conn.poll()
        except psycopg2.Error:
            self._lost(Failure())
            return
        if state == POLL_OK:
            try:
                watched = os.dup(self._conn.fileno())
            except OSError:  # out of descriptors: a failed connect
                self._lost(Failure())
                return
            self._connecting, self._fd = False, watched
            self._cursor = self._conn.cursor()
            self._reactor.addReader(self)
            self._settle(None)
            return
        self._fd = self._conn.fileno()
        if state == POLL_WRITE:
            self._reactor.addWriter(self)
        else:
            self._reactor.addReader(self)

    def _query_step(self) -> None:
        try:
            state = self._conn.poll()
        except psycopg2.extensions.QueryCanceledError:
            self._settle(Failure(CancelledError()) if self._cancelled else Failure())
            return
        except psycopg2.Error:
            if self._conn.closed:
                self._lost(Failure())
            else:  # the query failed; the connection is fine
                self._settle(Failure())
            return
        if state == POLL_OK and self._pending is not None:
            self._settle(self._cursor.fetchall() if self._fetch else None, next_pass=True)
        elif state == POLL_WRITE:
            self._reactor.addWriter(self)

    def _lost(self, reason: Failure) -> None:
        if self._pending is None:
            error = redact(reason.getErrorMessage().strip(), self._secrets)
            log.info("database connection lost: {error}", error=error)
        self._settle(reason)
        self.close()

    def _settle(self, outcome: Any, *, next_pass: bool = False) -> None:
        """End what was pending with ``outcome`` (a result at the start of the next
        reactor pass if ``next_pass``)."""
        d, self._pending, self._cancelled = self._pending, None, False
        if self._give_up is not None:
            self._give_up.cancel()
            self._give_up = None
        if d is None:
            return
        if isinstance(outcome, Failure):
            d.errback(outcome)
        elif next_pass:
            self._reactor.callLater(0, d.callback, outcome)
        else:
            d.callback(outcome)

    def _unwatch(self) -> None:
        self._reactor.removeReader(self)
        self._reactor.removeWriter(self)


def open_connection(
    reactor: Any,
    dsn: str,
    *,
    secrets: tuple[str, ...],
    prepare: str | None,
    timeout: float,
    statement_timeout: float | None = None,
) -> Deferred[PooledConnection]:
    """A new connection to ``dsn`` with ``prepare`` (if any) run on it, closed if this
    takes longer than ``timeout`` seconds; errbacks if it could not be opened or prepared
    (a connection whose prepare failed is closed).  With ``statement_timeout`` (seconds),
    the server stops every query of the connection running longer, and a cancelled query
    is given up ``GIVE_UP`` seconds past that."""
    give_up = GIVE_UP
    if statement_timeout is not None:
        limit = f"SET statement_timeout = {max(1, math.ceil(statement_timeout * 1000))}"
        prepare = limit if prepare is None else f"{limit}; {prepare}"
        give_up += statement_timeout
    conn = PooledConnection(reactor, secrets, give_up)
    d = with_host_addresses(dsn, thread_resolver(reactor)).addCallback(conn.connect)
    if prepare is not None:
        d.addCallback(lambda _: conn.runOperation(prepare))
        d.addErrback(_close_unprepared, conn)

    def late() -> Exception:
        return psycopg2.OperationalError(f"no answer within {timeout:g} s")

    return bounded(d, timeout, reactor, give_up=conn.close, error=late).addCallback(lambda _: conn)


def _close_unprepared(failure: Failure, conn: PooledConnection) -> Failure:
    conn.close()
    return failure
