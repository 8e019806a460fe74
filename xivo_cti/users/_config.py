"""Configuration keys for where users come from (``users_file``, ``users_db``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from xivo.config import libpq_dsn

__all__ = ["DEFAULT_USERS_FILE", "UsersDBConfig"]

DEFAULT_USERS_FILE = str(resources.files("xivo_cti") / "data" / "users.yml")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?")


def _sql_identifier(value: str) -> None:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(f"not a plain SQL table name: {value!r}")


@dataclass(frozen=True)
class UsersDBConfig:
    """A PostgreSQL table of users, read through txpostgres (used when ``dsn`` is set)."""

    dsn: str = field(default="", repr=False, metadata={"check": libpq_dsn})
    table: str = field(default="cti_users", metadata={"check": _sql_identifier})
