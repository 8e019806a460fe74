"""The ``postgresql`` source: one indexed, parameterised query per lookup, via txpostgres.

The query is ``SELECT <template columns> FROM <table> WHERE <col1> = ANY(%s) OR
<col2> = ANY(%s) ... LIMIT 1``.  On a table of millions of rows the operator
needs a b-tree index on every column of ``first_matched_columns``, e.g.
``CREATE INDEX ON contacts (number); CREATE INDEX ON contacts (mobile);``:
PostgreSQL then answers with a bitmap OR of index scans in well under a
millisecond.  Table and column names come from the configuration, are checked to
be plain identifiers and are quoted; numbers are only ever query parameters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.defer import Deferred

from xivo.config import positive

from .contact import Contact
from .pg_pool import PostgresPool
from .source import SourceConfig

__all__ = ["PostgresSource", "PostgresSourceConfig", "build_query", "quote_identifier"]

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


@dataclass(frozen=True)
class PostgresSourceConfig(SourceConfig):
    """``type: postgresql`` settings."""

    dsn: str = field(default="", repr=False, metadata={"check": _check_dsn})
    """libpq connection string; its password is never logged."""
    table: str = field(default="contacts", metadata={"check": quote_identifier})
    concurrency: int = field(default=8, metadata={"check": positive})
    """Pool size: connections, hence queries running at once."""


def build_query(config: PostgresSourceConfig) -> tuple[str, tuple[str, ...]]:
    """The lookup's SQL (one ``= ANY(%s)`` per matched column) and its selected columns."""
    columns = config.template.fields
    select = ", ".join(quote_identifier(c) for c in columns)
    where = " OR ".join(f"{quote_identifier(c)} = ANY(%s)" for c in config.first_matched_columns)
    sql = f"SELECT {select} FROM {quote_identifier(config.table)} WHERE {where} LIMIT 1"
    return sql, columns


class PostgresSource:
    """Looks numbers up in a PostgreSQL table through a reconnecting pool."""

    def __init__(self, name: str, config: PostgresSourceConfig, *, reactor: Any) -> None:
        self.name = name
        self.config = config
        self._template = config.template
        self._sql, self._columns = build_query(config)
        self.pool = PostgresPool(config.dsn, size=config.concurrency, reactor=reactor, name=name)

    def startService(self) -> None:
        """Open the pool's connections in the background."""
        self.pool.start()

    def stopService(self) -> None:
        """Close the pool."""
        self.pool.stop()

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Up while the pool holds at least one open connection."""
        connected = self.pool.connected
        return connected > 0, {"connections": connected, "size": self.pool.size}

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """The first row whose matched columns hold any of ``candidates``."""
        values = list(candidates)
        params = [values] * len(self.config.first_matched_columns)
        return self.pool.run_query(self._sql, params).addCallback(self._contact)

    def _contact(self, rows: list[tuple]) -> Contact | None:
        if not rows:
            return None
        values = {
            c: "" if v is None else str(v) for c, v in zip(self._columns, rows[0], strict=True)
        }
        name = self._template.render(values)
        return Contact(name=name, source=self.name) if name else None
