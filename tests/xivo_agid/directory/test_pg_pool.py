"""Tests for xivo_agid.directory._pg_pool, with a fake connection."""

import psycopg2
import pytest
from psycopg2.extensions import QueryCanceledError
from twisted.internet.defer import CancelledError, Deferred, fail
from twisted.internet.task import Clock

from xivo_agid.directory import _pg_connection as pg_connection
from xivo_agid.directory._pg_pool import PostgresPool
from xivo_agid.directory._source import SourceUnavailable


class FakeConnection:
    """Stands in for PooledConnection: the test fires connects and queries."""

    instances: list["FakeConnection"] = []

    def __init__(self, reactor, secrets=(), give_up=None):
        self.give_up = give_up
        self.closed = 0
        self.connecting = Deferred()
        self.queries = []
        self.cancelled = []
        FakeConnection.instances.append(self)

    def connect(self, dsn):
        return self.connecting

    def runQuery(self, sql, params):
        d = Deferred()
        self.queries.append((sql, params, d))
        return d

    def runOperation(self, sql):
        d = Deferred()
        self.queries.append((sql, None, d))
        return d

    def cancel(self, d):
        self.cancelled.append(d)

    def close(self):
        self.closed = 1
        if not self.connecting.called:
            self.connecting.errback(psycopg2.OperationalError("closed while connecting"))


@pytest.fixture
def conns(monkeypatch):
    FakeConnection.instances = []
    monkeypatch.setattr(pg_connection, "PooledConnection", FakeConnection)
    return FakeConnection.instances


def result_of(d):
    out = []
    d.addBoth(out.append)
    return out


def make(size=1, **kw):
    clock = Clock()
    pool = PostgresPool("dbname=x password=secret", size=size, reactor=clock, **kw)
    pool.start()
    return pool, clock


def test_query_waits_for_the_connection_then_runs(conns):
    """A query asked while connecting runs as soon as the connection is up."""
    pool, _clock = make()
    out = result_of(pool.run_query("SELECT 1", [1]))
    conns[0].connecting.callback(conns[0])
    sql, params, d = conns[0].queries[0]
    assert (sql, params) == ("SELECT 1", [1])
    d.callback([("row",)])
    assert out == [[("row",)]]


def test_connection_is_reused(conns):
    """Sequential queries share one connection."""
    pool, _clock = make(size=1)
    conns[0].connecting.callback(conns[0])
    for _ in range(3):
        pool.run_query("q", []).addErrback(lambda f: None)
        conns[0].queries[-1][2].callback([])
    assert len(conns) == 1 and len(conns[0].queries) == 3


def test_broken_connection_is_replaced(conns):
    """A query failing at the connection level drops that connection and opens another."""
    pool, _clock = make(size=1)
    conns[0].connecting.callback(conns[0])
    out = result_of(pool.run_query("q", []))
    conns[0].queries[0][2].errback(psycopg2.OperationalError("server closed the connection"))
    assert out[0].check(psycopg2.OperationalError)
    assert conns[0].closed and len(conns) == 2


def test_unreachable_server_fails_fast_and_is_retried(conns):
    """After a failed connect queries fail at once; a retry after retry_delay brings it back."""
    pool, clock = make(size=1, retry_delay=1.0)
    waiting = result_of(pool.run_query("q", []))
    conns[0].connecting.errback(psycopg2.OperationalError("connection refused"))
    assert waiting[0].check(SourceUnavailable)
    assert result_of(pool.run_query("q", []))[0].check(SourceUnavailable)
    assert len(conns) == 1
    clock.advance(1.0)
    assert len(conns) == 2
    conns[1].connecting.callback(conns[1])
    out = result_of(pool.run_query("q", []))
    conns[1].queries[0][2].callback([])
    assert out == [[]]


def test_connect_timeout_closes_a_hanging_connect(conns):
    """A connect that does not finish within connect_timeout is closed and counted failed."""
    pool, clock = make(size=1, connect_timeout=2.0)
    waiting = result_of(pool.run_query("q", []))
    clock.advance(2.0)
    assert conns[0].closed
    assert waiting[0].check(SourceUnavailable)


def test_cancelling_a_running_query_cancels_it_on_the_server(conns):
    """Cancelling the caller's Deferred asks the connection to cancel the query."""
    pool, _clock = make(size=1)
    conns[0].connecting.callback(conns[0])
    d = pool.run_query("q", [])
    d.addErrback(lambda f: None)
    d.cancel()
    assert conns[0].cancelled == [conns[0].queries[0][2]]


def test_cancelled_query_ending_later_is_dropped_and_frees_the_connection(conns):
    """A cancelled query fires only once the server confirms: that late
    failure is dropped (no AlreadyCalledError left in the chain) and the connection
    goes back to the pool."""
    pool, _clock = make(size=1)
    conns[0].connecting.callback(conns[0])
    d = pool.run_query("q", [])
    outcome = result_of(d)
    d.cancel()
    query = conns[0].queries[0][2]
    query.errback(CancelledError())  # what the connection makes of QueryCanceledError
    assert outcome[0].check(CancelledError)
    late = result_of(query)
    assert late == [None]
    assert result_of(pool.run_query("next", [])) == []
    assert conns[0].queries[1][0] == "next"


def test_a_query_stopped_by_the_server_keeps_its_connection(conns):
    """A query the server stopped (its statement_timeout) fails alone: the connection,
    still good, serves the next query."""
    pool, _clock = make(size=1)
    conns[0].connecting.callback(conns[0])
    outcome = result_of(pool.run_query("q", []))
    conns[0].queries[0][2].errback(
        QueryCanceledError("canceling statement due to statement timeout")
    )
    assert outcome[0].check(QueryCanceledError)
    pool.run_query("next", [])
    assert conns[0].queries[1][0] == "next" and not conns[0].closed


def test_cancelling_a_waiting_query_removes_it(conns):
    """A query cancelled while waiting for a connection never runs."""
    pool, _clock = make(size=1)
    d = pool.run_query("q", [])
    d.addErrback(lambda f: None)
    d.cancel()
    conns[0].connecting.callback(conns[0])
    assert conns[0].queries == []


def test_waiting_queue_is_bounded(conns):
    """Past max_waiting, queries fail at once instead of queueing."""
    pool, _clock = make(size=1, max_waiting=1)
    pool.run_query("q", []).addErrback(lambda f: None)
    assert result_of(pool.run_query("q", []))[0].check(SourceUnavailable)


def test_stop_closes_connections_and_fails_waiters(conns):
    """stop() closes idle connections and fails queries still waiting."""
    pool, _clock = make(size=2)
    conns[0].connecting.callback(conns[0])
    pool.stop()
    assert conns[0].closed
    assert result_of(pool.run_query("q", []))[0].check(SourceUnavailable)


def test_prepare_runs_on_each_new_connection_before_its_first_query(conns):
    """With ``prepare`` a new connection serves queries only once the statement is prepared."""
    pool, _clock = make(size=1, prepare="PREPARE s AS SELECT 1")
    out = result_of(pool.run_query("EXECUTE s", ()))
    conns[0].connecting.callback(conns[0])
    assert [q[0] for q in conns[0].queries] == ["PREPARE s AS SELECT 1"]
    conns[0].queries[0][2].callback(None)
    assert [q[0] for q in conns[0].queries] == ["PREPARE s AS SELECT 1", "EXECUTE s"]
    conns[0].queries[1][2].callback([(1,)])
    assert out == [[(1,)]]


def test_failed_prepare_counts_as_a_failed_connect(conns):
    """A connection whose prepare fails is not used; waiting queries fail, a retry follows."""
    pool, clock = make(size=1, prepare="PREPARE s AS SELECT nope", retry_delay=1.0)
    out = result_of(pool.run_query("EXECUTE s", ()))
    conns[0].connecting.callback(conns[0])
    conns[0].queries[0][2].errback(psycopg2.ProgrammingError("column nope does not exist"))
    assert out[0].check(SourceUnavailable)
    assert conns[0].closed
    clock.advance(1.0)
    assert len(conns) == 2


class FailingAtOnce(FakeConnection):
    """A connection whose connect() fails before returning (a DSN libpq refuses)."""

    def __init__(self, reactor, secrets=(), give_up=None):
        super().__init__(reactor)
        if len(FakeConnection.instances) > 50:
            raise RuntimeError("the pool keeps reconnecting in a loop")

    def connect(self, dsn):
        return fail(psycopg2.ProgrammingError("invalid dsn: bad"))


def test_connect_failing_at_once_backs_off(monkeypatch):
    """A connect that fails synchronously is retried after retry_delay, not in a loop."""
    FakeConnection.instances = []
    monkeypatch.setattr(pg_connection, "PooledConnection", FailingAtOnce)
    pool, clock = make(size=4, retry_delay=1.0)
    assert len(FakeConnection.instances) == 1 and pool.connected == 0
    assert isinstance(result_of(pool.run_query("SELECT 1", []))[0].value, SourceUnavailable)
    clock.advance(1.0)
    assert len(FakeConnection.instances) == 2


def test_malformed_dsn_is_logged_without_its_password():
    """A real connect on a DSN libpq refuses: one warning, password masked."""
    from twisted.logger import capturedLogs

    from tests.logtext import log_text

    with capturedLogs() as events:
        pool = PostgresPool("postgresql://xivo:S3ntinel@[::1/xivo", size=2, reactor=Clock())
        pool.start()
        pool.stop()
    text = log_text(events)
    assert "cannot connect to the database" in text and "invalid dsn" in text
    assert "S3ntinel" not in text
