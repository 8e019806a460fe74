"""The ``postgresql`` source: batched, indexed, parameterised queries on a pool of connections.

A lookup runs at once when a pool connection is free; lookups arriving while every
connection is busy wait and go together, up to ``MAX_BATCH`` in one query, when a
connection frees up (one round trip and one plan for many calls under load).  For
each lookup a ``LATERAL`` subquery selects the rows whose matched columns hold one
of its candidates, ``WHERE <col1> = ANY(candidates) OR <col2> = ANY(candidates)``,
and ``DISTINCT ON`` keeps one row per lookup: the one matching on the earliest
column of ``first_matched_columns``.  There is no ``LIMIT 1`` in the subquery: with
one, PostgreSQL expects to meet a match early and scans tables of up to tens of
thousands of rows in full for every number they lack.  The operator needs a b-tree
index on every matched column, e.g. ``CREATE INDEX ON contacts (number); CREATE
INDEX ON contacts (mobile);``: PostgreSQL then answers with a bitmap OR of index
scans, from a thousand rows to millions.  Table and column names come from the
configuration, are checked to be plain identifiers and are quoted; numbers are only
ever query parameters.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.python.failure import Failure

from xivo.config import libpq_dsn, positive

from ._contact import Contact
from ._numbers import ANY, check_number_format
from ._pg_pool import PostgresPool
from ._source import SourceConfig, SourceUnavailable

__all__ = [
    "MAX_BATCH",
    "STATEMENT",
    "PostgresSource",
    "PostgresSourceConfig",
    "build_query",
    "connection_setup",
    "quote_identifier",
]

MAX_BATCH = 32
"""Most lookups answered by one query."""

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


def quote_identifier(name: str) -> str:
    """``schema.table`` or ``column`` quoted for SQL; ValueError unless plain identifiers."""
    parts = name.split(".")
    if len(parts) > 2 or not all(_IDENTIFIER.fullmatch(p) for p in parts):
        raise ValueError(f"must be a plain SQL identifier (letters, digits, _), got {name!r}")
    return ".".join(f'"{p}"' for p in parts)


def _check_dsn(value: str) -> None:
    if not value.strip():
        raise ValueError("must not be empty, e.g. 'dbname=xivo host=/var/run/postgresql'")
    libpq_dsn(value)


@dataclass(frozen=True)
class PostgresSourceConfig(SourceConfig):
    """``type: postgresql`` settings."""

    dsn: str = field(default="", repr=False, metadata={"check": _check_dsn})
    """libpq connection string; its password is never logged."""
    table: str = field(default="contacts", metadata={"check": quote_identifier})
    concurrency: int = field(default=1, metadata={"check": positive})
    """Pool size: connections, hence queries running at once (each up to ``MAX_BATCH``
    lookups).  Fewer connections make bigger batches and cost the database less CPU."""
    number_format: str = field(default=ANY, metadata={"check": check_number_format})
    """How the matched columns store numbers: ``any`` (mixed spellings: every usual one is
    asked for), ``e164`` (``+33123456789``: only that form) or ``as_dialled`` (as the
    caller ID arrives: only that text)."""


STATEMENT = "xivo_reverse_lookup"
"""Name of the prepared statement on each pool connection."""


def build_query(config: PostgresSourceConfig) -> tuple[str, tuple[str, ...]]:
    """The batched lookup's ``PREPARE`` statement and its selected columns.

    Its one parameter is the batch as text: lookups separated by ``\\x1e``, the
    candidates of a lookup by ``\\x1f`` (one string for the driver to quote instead of
    arrays of strings); each row is ``(lookup number from 1, *columns)`` for the
    lookups that matched.  The subquery's columns are renamed ``c0``, ``c1``... after
    its rank (the index of the first matched column holding a candidate), so that no
    table column name can clash.
    """
    columns = config.template.fields
    select = ", ".join(quote_identifier(c) for c in columns)
    matches = [f"{quote_identifier(c)} = ANY(q.candidates)" for c in config.first_matched_columns]
    rank = " ".join(f"WHEN {m} THEN {n}" for n, m in enumerate(matches))
    names = [f"c{n}" for n in range(len(columns))]
    sql = (
        f"PREPARE {STATEMENT}(text) AS"
        f" SELECT DISTINCT ON (q.i) q.i, {', '.join(f'm.{n}' for n in names)}"
        " FROM (SELECT i, string_to_array(c, chr(31)) AS candidates"
        " FROM unnest(string_to_array($1, chr(30))) WITH ORDINALITY AS u(c, i)) AS q"
        f" CROSS JOIN LATERAL (SELECT CASE {rank} END, {select}"
        f" FROM {quote_identifier(config.table)} WHERE {' OR '.join(matches)})"
        f" AS m(rank, {', '.join(names)}) ORDER BY q.i, m.rank"
    )
    return sql, columns


_EXECUTE = f"EXECUTE {STATEMENT}(%s)"


def connection_setup(prepare: str) -> str:
    """What a new pool connection runs first: ``prepare``, and one plan for every batch
    (by default PostgreSQL re-plans at every run, 2-3 times the run's CPU), made now on
    an empty batch rather than by the first caller; it is remade when the table's
    statistics change."""
    return f"SET plan_cache_mode = force_generic_plan; {prepare}; EXECUTE {STATEMENT}('')"


class _Batch:
    """The lookups sent in one query; the query is cancelled once all were cancelled."""

    def __init__(self, waiting: list[tuple[tuple[str, ...], Deferred]]) -> None:
        self.waiting = waiting
        self.query: Deferred | None = None

    def params(self) -> tuple[str]:
        return ("\x1e".join("\x1f".join(c) for c, _d in self.waiting),)

    def cancelled(self, cancelled: Deferred) -> None:
        """``cancelled`` is being cancelled: stop the query if no lookup is left."""
        if self.query is not None and all(d is cancelled or d.called for _c, d in self.waiting):
            self.query.cancel()


class PostgresSource:
    """Looks numbers up in a PostgreSQL table through a reconnecting pool.

    ``max_in_flight`` is how many lookups it takes at once (pool size x ``MAX_BATCH``).
    """

    def __init__(self, name: str, config: PostgresSourceConfig, *, reactor: Any) -> None:
        self.name = name
        self.config = config
        self.number_format = config.number_format
        self._template = config.template
        prepare, self._columns = build_query(config)
        self.pool = PostgresPool(
            config.dsn, size=config.concurrency, reactor=reactor, name=name,
            prepare=connection_setup(prepare), statement_timeout=config.timeout,
        )  # fmt: skip
        self.max_in_flight = config.concurrency * MAX_BATCH
        self._queue: deque[tuple[tuple[str, ...], Deferred]] = deque()
        self._running: set[_Batch] = set()

    def startService(self) -> None:
        """Open the pool's connections in the background."""
        self.pool.start()

    def stopService(self) -> None:
        """Close the pool and fail the lookups still waiting."""
        self.pool.stop()
        while self._queue:
            self._queue.popleft()[1].errback(SourceUnavailable("the source is stopped"))

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Up while the pool holds at least one open connection."""
        connected = self.pool.connected
        return connected > 0, {"connections": connected, "size": self.pool.size}

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """A row whose matched columns hold any of ``candidates``, by column priority.

        Candidates with control characters (never a phone number) are left out.
        """
        kept = tuple(c for c in candidates if c.isprintable())
        if not kept:
            return succeed(None)
        entry: tuple[tuple[str, ...], Deferred] = (kept, Deferred(self._forget))
        self._queue.append(entry)
        if len(self._running) < self.pool.size:
            self._send()
        return entry[1]

    def _forget(self, d: Deferred) -> None:
        for entry in self._queue:
            if entry[1] is d:
                self._queue.remove(entry)
                return
        for batch in self._running:
            if any(w is d for _c, w in batch.waiting):
                batch.cancelled(d)
                return

    def _send(self) -> None:
        count = min(len(self._queue), MAX_BATCH)
        if not count:
            return
        batch = _Batch([self._queue.popleft() for _ in range(count)])
        self._running.add(batch)
        batch.query = self.pool.run_query(_EXECUTE, batch.params())
        batch.query.addBoth(self._answered, batch)

    def _answered(self, outcome: list[tuple] | Failure, batch: _Batch) -> None:
        self._running.discard(batch)
        if isinstance(outcome, Failure):
            if not outcome.check(CancelledError):
                for _c, d in batch.waiting:
                    if not d.called:
                        d.errback(outcome)
        else:
            rows = {row[0] - 1: row[1:] for row in outcome}
            for i, (_c, d) in enumerate(batch.waiting):
                if not d.called:
                    d.callback(self._contact(rows.get(i)))
        while self._queue and len(self._running) < self.pool.size:
            self._send()

    def _contact(self, row: tuple | None) -> Contact | None:
        if row is None:
            return None
        values = {c: "" if v is None else str(v) for c, v in zip(self._columns, row, strict=True)}
        name = self._template.render(values)
        return Contact(name=name, source=self.name) if name else None
