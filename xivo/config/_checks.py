"""Field checks: ``metadata={"check": ...}`` of a section's field; a ``ValueError``'s text
becomes the error message, after the key path."""

from __future__ import annotations

import psycopg2.extensions

from xivo.redact import dsn_secrets, redact

__all__ = ["libpq_dsn", "not_negative", "port_number", "positive"]


def positive(value: float) -> None:
    """Field check: the value must be greater than zero."""
    if value <= 0:
        raise ValueError(f"must be greater than 0, got {value}")


def not_negative(value: float) -> None:
    """Field check: the value must be 0 or more."""
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value}")


def port_number(value: int) -> None:
    """Field check: a TCP port (0 lets the system choose)."""
    if not 0 <= value <= 65535:
        raise ValueError(f"must be a port number from 0 to 65535, got {value}")


def libpq_dsn(value: str) -> None:
    """Field check: a connection string libpq itself can parse (empty passes); the
    error says what libpq found wrong, with the password masked."""
    if not value:
        return
    try:
        psycopg2.extensions.parse_dsn(value)
    except psycopg2.Error as e:
        problem = redact(str(e).strip(), dsn_secrets(value)).removeprefix("invalid dsn: ")
        raise ValueError(f"not a valid libpq connection string: {problem}") from None
