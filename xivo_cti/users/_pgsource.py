"""Users from a PostgreSQL table, read through txpostgres.

Table columns: ``login, password_hash, line, extension, context, profile, fullname, id``
(``context``, ``profile``, ``fullname`` and ``id`` may be NULL), and optionally ``agent``
(the user's agent id, or NULL) and ``ipbx`` (the id of the Asterisk of the user's line, or
NULL: the default one); other columns are ignored.  Each row is read as one JSON
object (``to_jsonb``), so a table without the optional column reads as well.  Built-in
profiles only.

A load unanswered within ``timeout`` seconds (a frozen server: a paused VM, a network
that swallows packets) fails, so that ``InitialLoad`` tries again, and its connection is
closed, never cancelled: libpq's cancel waits for the server with the interpreter held.
"""

from __future__ import annotations

from typing import Any

import psycopg2
from twisted.internet.defer import Deferred, TimeoutError
from twisted.python.failure import Failure
from txpostgres import txpostgres

from xivo.bounded import bounded
from xivo.pg_hosts import thread_resolver, with_host_addresses
from xivo.redact import dsn_secrets, redact
from xivo_cti.users._loader import users_from_records
from xivo_cti.users._model import User

__all__ = ["LOAD_TIMEOUT", "PostgresSource"]

LOAD_TIMEOUT = 10.0
"""Seconds a load (connecting and reading the table) may take."""

_COLUMNS = (
    "login", "password_hash", "line", "extension", "context", "profile", "fullname", "id",
    "agent", "ipbx",
)  # fmt: skip


class PostgresSource:
    """Loads the users table on each ``load`` with a short-lived connection."""

    def __init__(self, dsn: str, table: str, reactor: Any, timeout: float = LOAD_TIMEOUT) -> None:
        self._dsn = dsn
        self._secrets = dsn_secrets(dsn)
        self._table = table  # checked as a plain identifier by UsersDBConfig
        self._reactor = reactor
        self._timeout = timeout

    def load(self) -> Deferred[tuple[User, ...]]:
        """Query the table and validate its rows; errbacks with ``ConfigError``, a DB error
        or ``TimeoutError`` (no answer within the timeout)."""
        conn = txpostgres.Connection(reactor=self._reactor)
        query = f"SELECT to_jsonb(t) FROM {self._table} AS t ORDER BY login"  # noqa: S608

        closed: list[bool] = []

        def connect(dsn: str) -> Deferred[Any]:
            if closed:  # given up while the host name was being resolved
                raise psycopg2.OperationalError("the connection was closed")
            return conn.connect(dsn)

        def close(outcome: Any = None) -> Any:
            closed.append(True)
            try:
                conn.close()
            except Exception:  # noqa: S110 - never connected, or closed already
                pass
            return outcome

        d = with_host_addresses(self._dsn, thread_resolver(self._reactor))
        d.addCallback(connect)
        d.addCallback(lambda _: conn.runQuery(query))
        d.addBoth(close)
        result = bounded(d, self._timeout, self._reactor, give_up=close, error=self._unanswered)
        result.addCallbacks(self._rows_to_users, self._redacted)
        return result

    def _unanswered(self) -> TimeoutError:
        return TimeoutError(f"no answer from the database in {self._timeout:g} s")

    def _redacted(self, failure: Failure) -> Failure:
        """A database error with the DSN's password masked (libpq may quote the DSN)."""
        failure.trap(psycopg2.Error)
        text = redact(failure.getErrorMessage().strip(), self._secrets)
        return Failure(type(failure.value)(text))

    def _rows_to_users(self, rows: list[tuple[dict[str, Any]]]) -> tuple[User, ...]:
        records = []
        for (row,) in rows:
            record = {k: row[k] for k in _COLUMNS if row.get(k) is not None}
            records.append({k: str(v) if not isinstance(v, str) else v for k, v in record.items()})
        return users_from_records(records, f"table {self._table}")
