"""One PostgreSQL connection of the pool: opened (and prepared) within a deadline, and
closed quietly when the server drops it."""

from __future__ import annotations

from typing import Any

import psycopg2
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.logger import Logger
from twisted.python.failure import Failure
from txpostgres.txpostgres import Connection

from xivo.redact import redact

__all__ = ["PooledConnection", "open_connection"]

log = Logger()


class PooledConnection(Connection):
    """A txpostgres Connection that closes itself quietly when the server drops it.

    txpostgres lets the error of an idle connection killed by the server (restart,
    ``pg_terminate_backend``) escape to the reactor as an "Unhandled Error"; here it
    just closes the connection, which the pool then discards.
    """

    secrets: tuple[str, ...] = ()
    """What its error messages must not show (the DSN's password)."""

    def doRead(self) -> None:
        try:
            super().doRead()
        except (psycopg2.Error, ValueError) as e:
            log.info(
                "database connection lost: {error}", error=redact(str(e).strip(), self.secrets)
            )
            self.close()


def open_connection(
    reactor: Any, dsn: str, *, secrets: tuple[str, ...], prepare: str | None, timeout: float
) -> Deferred[PooledConnection]:
    """A new connection to ``dsn`` with ``prepare`` (if any) run on it, closed if this
    takes longer than ``timeout`` seconds; errbacks if it could not be opened or prepared
    (a connection whose prepare failed is closed)."""
    conn = PooledConnection(reactor=reactor)
    conn.secrets = secrets
    d = conn.connect(dsn)
    if prepare is not None:
        d.addCallback(_prepare_on, conn, prepare)
    timer = reactor.callLater(timeout, conn.close)
    d.addBoth(_stop_timer, timer)
    return d.addCallback(lambda _: conn)


def _prepare_on(_connected: Any, conn: Connection, statement: str) -> Deferred[None]:
    d = conn.runOperation(statement)
    return d.addErrback(_close_unprepared, conn)


def _close_unprepared(failure: Failure, conn: Connection) -> Failure:
    try:
        conn.close()
    except psycopg2.Error:
        pass
    return failure


def _stop_timer(outcome: Any, timer: IDelayedCall) -> Any:
    if timer.active():
        timer.cancel()
    return outcome
