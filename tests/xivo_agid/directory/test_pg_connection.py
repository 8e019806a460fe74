"""Tests for xivo_agid.directory._pg_connection: one pooled connection."""

import psycopg2
from twisted.internet.task import Clock

from tests.xivo_agid.directory.test_pg_pool import FakeConnection, result_of
from xivo_agid.directory import _pg_connection as pg_connection
from xivo_agid.directory._pg_connection import open_connection


def test_pooled_connection_closes_quietly_when_the_server_drops_it(monkeypatch):
    """An error reading an idle connection closes it instead of escaping to the reactor."""
    from twisted.internet.testing import MemoryReactorClock
    from txpostgres.txpostgres import Connection

    def broken_read(self):
        raise psycopg2.OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(Connection, "doRead", broken_read)
    conn = pg_connection.PooledConnection(reactor=MemoryReactorClock())
    closed = []
    monkeypatch.setattr(conn, "close", lambda: closed.append(True))
    conn.doRead()
    assert closed == [True]


def test_open_connection_prepares_then_fires_with_the_connection(monkeypatch):
    """The connection is handed over once its statement is prepared, its deadline
    cancelled; one whose prepare fails is closed and the failure passed on."""
    monkeypatch.setattr(pg_connection, "PooledConnection", FakeConnection)
    clock = Clock()
    opened = result_of(open_connection(clock, "dbname=x", secrets=(), prepare="PREPARE s",
                                       timeout=2.0))  # fmt: skip
    conn = FakeConnection.instances[-1]
    conn.connecting.callback(conn)
    assert opened == [] and conn.queries[0][0] == "PREPARE s"
    conn.queries[0][2].callback(None)
    assert opened == [conn] and clock.getDelayedCalls() == [] and not conn.closed
    refused = result_of(open_connection(clock, "dbname=x", secrets=(), prepare="PREPARE t",
                                        timeout=2.0))  # fmt: skip
    conn = FakeConnection.instances[-1]
    conn.connecting.callback(conn)
    conn.queries[0][2].errback(psycopg2.ProgrammingError("syntax error"))
    assert refused[0].check(psycopg2.ProgrammingError) and conn.closed
    assert clock.getDelayedCalls() == []
