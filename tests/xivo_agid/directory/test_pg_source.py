"""Tests for xivo_agid.directory._pg_source."""

import pytest
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from xivo.config import ConfigError, build
from xivo_agid.directory._pg_source import (
    MAX_BATCH,
    STATEMENT,
    PostgresSource,
    PostgresSourceConfig,
    build_query,
    quote_identifier,
)
from xivo_agid.directory._source import SourceUnavailable

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


def test_query_is_prepared_with_one_any_per_column():
    """Only quoted identifiers, one text parameter, one ANY per column, ranked in order."""
    sql, columns = build_query(build(PostgresSourceConfig, RAW))
    assert sql.startswith(
        f"PREPARE {STATEMENT}(text) AS SELECT DISTINCT ON (q.i) q.i, m.c0, m.c1 FROM "
    )
    assert "unnest(string_to_array($1, chr(30))) WITH ORDINALITY" in sql
    assert sql.endswith(
        ' CROSS JOIN LATERAL (SELECT CASE WHEN "number" = ANY(q.candidates) THEN 0'
        ' WHEN "mobile" = ANY(q.candidates) THEN 1 END, "firstname", "lastname"'
        ' FROM "public"."contacts"'
        ' WHERE "number" = ANY(q.candidates) OR "mobile" = ANY(q.candidates))'
        " AS m(rank, c0, c1) ORDER BY q.i, m.rank"
    )
    assert "LIMIT" not in sql  # a LIMIT 1 made PostgreSQL scan small tables in full
    assert "%" not in sql
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
    assert cfg.concurrency == 1


class FakePool:
    """Stands in for PostgresPool: records queries, the test fires them."""

    def __init__(self, size=1):
        self.size = size
        self.queries = []
        self.cancelled = []

    def run_query(self, sql, params):
        d = Deferred(lambda d: self.cancelled.append(d))
        self.queries.append((sql, params, d))
        return d


def make_source(size=1):
    source = PostgresSource("crm", build(PostgresSourceConfig, RAW), reactor=Clock())
    source.pool = FakePool(size)
    return source


def results(d):
    out = []
    d.addBoth(out.append)
    return out


def test_lookup_sends_candidates_as_one_parameter_and_renders_the_row():
    """The candidates go as the statement's one parameter; the row becomes the display name."""
    source = make_source()
    out = results(source.lookup(["+33123456789", "0123456789"]))
    sql, params, d = source.pool.queries[0]
    assert sql == f"EXECUTE {STATEMENT}(%s)"
    assert params == ("+33123456789\x1f0123456789",)
    d.callback([(1, "Alice", None)])
    assert out[0].name == "Alice" and out[0].source == "crm"


def test_no_row_or_empty_name_is_no_match():
    """No row, or a row whose name renders empty, gives None."""
    for rows in ([], [(1, None, "")]):
        source = make_source()
        out = results(source.lookup(["1"]))
        source.pool.queries[0][2].callback(rows)
        assert out == [None]


def test_lookups_arriving_while_connections_are_busy_go_in_one_query():
    """While every connection is busy lookups wait, then go together; each gets its own row."""
    source = make_source(size=1)
    first = results(source.lookup(["1"]))
    waiting = [results(source.lookup([n, n + "0"])) for n in ("2", "3", "4")]
    assert len(source.pool.queries) == 1
    source.pool.queries[0][2].callback([])
    assert first == [None]
    _sql, params, d = source.pool.queries[1]
    assert params == ("2\x1f20\x1e3\x1f30\x1e4\x1f40",)
    d.callback([(3, "Dan", "D"), (1, "Bea", "B")])
    assert [w[0] and w[0].name for w in waiting] == ["Bea B", None, "Dan D"]


def test_a_batch_holds_at_most_max_batch_lookups():
    """Waiting lookups beyond MAX_BATCH go in the next query."""
    source = make_source(size=1)
    source.lookup(["0"])
    for i in range(MAX_BATCH + 1):
        source.lookup([str(i)])
    source.pool.queries[0][2].callback([])
    assert source.pool.queries[1][1][0].count("\x1e") == MAX_BATCH - 1
    source.pool.queries[1][2].callback([])
    assert source.pool.queries[2][1] == (str(MAX_BATCH),)
    assert source.max_in_flight == source.config.concurrency * MAX_BATCH


def test_query_failure_fails_every_lookup_of_the_batch():
    """A failed query fails each of its lookups (the lookup service counts them as no)."""
    source = make_source(size=1)
    outs = [results(source.lookup([str(i)])) for i in range(2)]
    source.pool.queries[0][2].errback(SourceUnavailable("down"))
    source.pool.queries[1][2].errback(SourceUnavailable("down"))
    assert all(o[0].check(SourceUnavailable) for o in outs)


def test_cancelled_lookups_leave_the_queue_and_a_dead_batch_is_cancelled():
    """A waiting lookup cancelled never runs; a query whose lookups are all cancelled stops."""
    source = make_source(size=1)
    running = source.lookup(["1"])
    waiting = source.lookup(["2"])
    waiting.addErrback(lambda f: None)
    waiting.cancel()
    running.addErrback(lambda f: None)
    running.cancel()
    assert source.pool.cancelled == [source.pool.queries[0][2]]
    assert len(source.pool.queries) == 1


def test_control_characters_never_reach_the_query():
    """Candidates with control characters (the batch separators) are left out."""
    source = make_source()
    assert results(source.lookup(["\x1e", "1\x1f2"])) == [None]
    source.lookup(["\x1e", "+331"])
    assert source.pool.queries[0][1] == ("+331",)


def test_stop_fails_the_waiting_lookups():
    """Stopping the source fails the lookups still waiting for a connection."""
    source = make_source(size=1)
    source.pool.stop = lambda: None
    source.lookup(["1"]).addErrback(lambda f: None)
    waiting = results(source.lookup(["2"]))
    source.stopService()
    assert waiting[0].check(SourceUnavailable)


def test_health_follows_the_pool_connections():
    """Down while the pool holds no connection, up once one is open."""
    config = build(PostgresSourceConfig, {**RAW, "concurrency": 8})
    source = PostgresSource("crm", config, reactor=Clock())
    assert source.health() == (False, {"connections": 0, "size": 8})
    source.pool._open = 2
    assert source.health() == (True, {"connections": 2, "size": 8})
