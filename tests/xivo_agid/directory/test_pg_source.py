"""Tests for xivo_agid.directory.pg_source."""

import pytest
from twisted.internet.defer import succeed
from twisted.internet.task import Clock

from xivo.config import ConfigError, build
from xivo_agid.directory.pg_source import (
    PostgresSource,
    PostgresSourceConfig,
    build_query,
    quote_identifier,
)

RAW = {
    "type": "postgresql",
    "dsn": "dbname=xivo password=s3cret",
    "table": "public.contacts",
    "first_matched_columns": ["number", "mobile"],
    "format_columns": {"reverse": "{firstname} {lastname}"},
}


def test_identifiers_are_checked_and_quoted():
    """Plain identifiers are double-quoted; anything else is refused."""
    assert quote_identifier("contacts") == '"contacts"'
    assert quote_identifier("public.contacts") == '"public"."contacts"'
    for bad in ['x"; DROP TABLE y; --', "a b", "", "a.b.c", "1abc"]:
        with pytest.raises(ValueError):
            quote_identifier(bad)


def test_query_is_parameterised_with_one_any_per_column():
    """The SQL holds only quoted identifiers and one ANY(%s) placeholder per matched column."""
    sql, columns = build_query(build(PostgresSourceConfig, RAW))
    assert sql == (
        'SELECT "firstname", "lastname" FROM "public"."contacts"'
        ' WHERE "number" = ANY(%s) OR "mobile" = ANY(%s) LIMIT 1'
    )
    assert columns == ("firstname", "lastname")


def test_bad_table_or_column_is_a_config_error_naming_the_key():
    """An unsafe table or column name stops the configuration with the key path."""
    with pytest.raises(ConfigError, match="sources.crm.table"):
        build(PostgresSourceConfig, {**RAW, "table": "x;y"}, "sources.crm")
    cfg = build(PostgresSourceConfig, {**RAW, "first_matched_columns": ["num ber"]})
    with pytest.raises(ValueError):
        build_query(cfg)


def test_dsn_is_not_in_repr():
    """The settings' repr (which may be logged) never shows the DSN and its password."""
    cfg = build(PostgresSourceConfig, RAW)
    assert "s3cret" not in repr(cfg)
    assert cfg.concurrency == 8


def test_lookup_sends_candidates_as_parameters_and_renders_the_row():
    """Every candidate list goes as a parameter; the row becomes the display name."""
    source = PostgresSource("crm", build(PostgresSourceConfig, RAW), reactor=Clock())
    calls = []

    def run_query(sql, params):
        calls.append(params)
        return succeed([("Alice", None)])

    source.pool.run_query = run_query
    out = []
    source.lookup(["+33123456789", "0123456789"]).addBoth(out.append)
    assert calls == [[["+33123456789", "0123456789"], ["+33123456789", "0123456789"]]]
    assert out[0].name == "Alice" and out[0].source == "crm"


def test_no_row_or_empty_name_is_no_match():
    """No row, or a row whose name renders empty, gives None."""
    source = PostgresSource("crm", build(PostgresSourceConfig, RAW), reactor=Clock())
    for rows in ([], [(None, "")]):
        source.pool.run_query = lambda sql, params, rows=rows: succeed(rows)
        out = []
        source.lookup(["1"]).addBoth(out.append)
        assert out == [None]


def test_health_follows_the_pool_connections():
    """Down while the pool holds no connection, up once one is open."""
    source = PostgresSource("crm", build(PostgresSourceConfig, RAW), reactor=Clock())
    assert source.health() == (False, {"connections": 0, "size": 8})
    source.pool._open = 2
    assert source.health() == (True, {"connections": 2, "size": 8})
