"""A contacts table in the test PostgreSQL for the end-to-end and benchmark runs."""

from __future__ import annotations

import secrets
from typing import Any

from testing.services.postgres import PostgresCluster


def found_number(index: int) -> str:
    """The E.164 number of contact ``index`` (Paris numbers +33 1 40 00 00 00 + index)."""
    return f"+331{40000000 + index}"


def unknown_number(index: int) -> str:
    """A number that is in no contact row."""
    return f"+331{50000000 + index}"


def contact_name(index: int) -> str:
    """The display name of contact ``index``."""
    return f"First{index} Last{index}"


def create_contacts(cluster: PostgresCluster, rows: int, *, sleep: float = 0.0) -> str:
    """Create a new table of ``rows`` contacts with indexes; returns its name.

    With ``sleep`` the name returned is a view whose every query waits that long.
    """
    table = f"e2e_contacts_{secrets.token_hex(4)}"
    cluster.execute(
        f"CREATE TABLE {table} (firstname text, lastname text, number text, mobile text)"
    )
    cluster.execute(
        f"INSERT INTO {table} SELECT 'First' || i, 'Last' || i, '+331' || (40000000 + i), NULL"
        f" FROM generate_series(0, {rows - 1}) AS i"
    )
    cluster.execute(f"CREATE INDEX ON {table} (number)")
    cluster.execute(f"CREATE INDEX ON {table} (mobile)")
    cluster.execute(f"ANALYZE {table}")
    if not sleep:
        return table
    view = f"{table}_slow"
    cluster.execute(f"CREATE VIEW {view} AS SELECT t.* FROM {table} t, pg_sleep({float(sleep)})")
    return view


def agid_config(cluster: PostgresCluster, table: str, **overrides: Any) -> dict[str, Any]:
    """An xivo-agid configuration whose only source is ``table`` (cache off by default)."""
    config: dict[str, Any] = {
        "default_country": "FR",
        "reverse_lookup": {"timeout": 0.5, "sources": ["crm"]},
        "cache": {"ttl": 0, "size": 0},
        "sources": {
            "crm": {
                "type": "postgresql",
                "dsn": cluster.dsn,
                "table": table,
                "first_matched_columns": ["number", "mobile"],
                "format_columns": {"reverse": "{firstname} {lastname}"},
                "timeout": 0.3,
            }
        },
    }
    for key, value in overrides.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return config
