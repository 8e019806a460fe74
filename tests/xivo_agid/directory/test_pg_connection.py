"""Tests for xivo_agid.directory._pg_connection: one pooled connection, driven by a
scripted stand-in for psycopg2's asynchronous connection (the real one: the PostgreSQL
integration tests)."""

import os
import socket

import psycopg2
import pytest
from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE, QueryCanceledError
from twisted.internet.defer import CancelledError
from twisted.internet.task import Clock
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import capturedLogs

from tests.logtext import log_text
from tests.xivo_agid.directory.test_pg_pool import FakeConnection, result_of
from xivo_agid.directory import _pg_connection as pg_connection
from xivo_agid.directory._pg_connection import PooledConnection, open_connection


class ScriptedPg:
    """psycopg2's async connection as the adapter sees it: ``poll()`` answers (or raises)
    from ``script``; a dropped connection closes its socket, as libpq does."""

    def __init__(self):
        self.sock, self.peer = socket.socketpair()
        self.script = [POLL_WRITE, POLL_READ, POLL_OK]  # connecting
        self.closed = 0
        self.executed = []
        self.rows = [("Alice",)]
        self.cancels = 0

    def fileno(self):
        return self.sock.fileno()

    def poll(self):
        step = self.script.pop(0)
        if type(step) is psycopg2.OperationalError:  # not a cancelled query
            self.closed = 2
            self.sock.close()
        if isinstance(step, Exception):
            raise step
        return step

    def cursor(self):
        return self

    def execute(self, sql, params):
        self.executed.append((sql, params))

    def fetchall(self):
        return self.rows

    def cancel(self):
        self.cancels += 1

    def close(self):
        self.closed = 1
        self.sock.close()
        self.peer.close()


@pytest.fixture
def pg(monkeypatch):
    scripted = ScriptedPg()
    monkeypatch.setattr(pg_connection.psycopg2, "connect", lambda dsn, async_: scripted)
    yield scripted
    scripted.close()


def connected(pg, reactor):
    conn = PooledConnection(reactor, ("S3cret",))
    opened = result_of(conn.connect("dbname=x password=S3cret"))
    conn.doWrite()
    conn.doRead()
    assert opened == [None]
    return conn


def test_connect_follows_libpq_then_watches_a_duplicate_for_good(pg):
    """Each connect step watches what libpq asks for; once connected, a duplicate of the
    socket is watched for reading, and queries register nothing more; a result is
    handed over at the start of the reactor's next pass."""
    reactor = MemoryReactorClock()
    conn = PooledConnection(reactor)
    opened = result_of(conn.connect("dbname=x"))
    assert reactor.getWriters() == [conn] and reactor.getReaders() == []
    conn.doWrite()
    assert reactor.getWriters() == [] and reactor.getReaders() == [conn]
    conn.doRead()
    assert opened == [None] and reactor.getReaders() == [conn]
    assert conn.fileno() not in (-1, pg.fileno())
    assert os.fstat(conn.fileno()).st_ino == os.fstat(pg.fileno()).st_ino
    pg.script += [POLL_READ, POLL_READ, POLL_OK]
    rows = result_of(conn.runQuery("EXECUTE s(%s)", ("x",)))
    conn.doRead()
    assert rows == []
    conn.doRead()  # the result is read now, handed over at the start of the next pass
    assert rows == []
    reactor.advance(0)
    assert rows == [[("Alice",)]] and pg.executed == [("EXECUTE s(%s)", ("x",))]
    assert reactor.getReaders() == [conn] and reactor.getWriters() == []


def test_a_query_not_sent_at_once_waits_for_the_socket_to_take_it(pg):
    """If libpq could not send the whole query, the socket is watched for writing until
    it has; the result comes as usual."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    pg.script += [POLL_WRITE, POLL_READ, POLL_OK]
    rows = result_of(conn.runQuery("q", ()))
    assert reactor.getWriters() == [conn]
    conn.doWrite()
    assert reactor.getWriters() == [] and rows == []
    conn.doRead()
    reactor.advance(0)
    assert rows == [[("Alice",)]]


def test_a_failed_query_fails_alone(pg):
    """An error of the query (not of the connection) fails that query; the connection
    stays open and serves the next one."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    pg.script += [POLL_READ, psycopg2.ProgrammingError("syntax error"), POLL_READ, POLL_OK]
    failed = result_of(conn.runQuery("SELEC", ()))
    conn.doRead()
    assert failed[0].check(psycopg2.ProgrammingError) and not conn.closed
    done = result_of(conn.runOperation("SET x = 1"))
    conn.doRead()
    reactor.advance(0)
    assert done == [None] and reactor.getReaders() == [conn]


def test_connection_dropped_by_the_server_is_closed_quietly(pg):
    """An idle connection the server drops (libpq closes its socket) is logged once at
    info level, secrets masked, then closed: the duplicate unwatched and closed."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    watched = conn.fileno()
    pg.script.append(psycopg2.OperationalError("terminating connection password=S3cret"))
    with capturedLogs() as events:
        conn.doRead()
    assert conn.closed and conn.fileno() == -1 and reactor.getReaders() == []
    with pytest.raises(OSError):
        os.fstat(watched)
    text = log_text(events)
    assert "database connection lost: terminating connection" in text and "S3cret" not in text
    assert [e["log_level"].name for e in events] == ["info"]


def test_a_query_on_a_dropped_connection_fails_with_libpq_error(pg):
    """The server dropping the connection during a query fails that query with libpq's
    error, and nothing is logged (the pool reports it)."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    pg.script += [POLL_READ, psycopg2.OperationalError("server closed the connection")]
    out = result_of(conn.runQuery("q", ()))
    with capturedLogs() as events:
        conn.doRead()
    assert out[0].check(psycopg2.OperationalError) and conn.closed and events == []
    assert result_of(conn.runQuery("q", ()))[0].check(psycopg2.InterfaceError)


def test_hang_up_fails_the_pending_query_with_libpq_account(pg):
    """The reactor's connectionLost (a hang-up with nothing to read) asks libpq what
    happened and fails the pending query with that."""
    from twisted.internet.error import ConnectionDone
    from twisted.python.failure import Failure

    conn = connected(pg, MemoryReactorClock())
    pg.script += [POLL_READ, psycopg2.OperationalError("could not receive data")]
    out = result_of(conn.runQuery("q", ()))
    conn.connectionLost(Failure(ConnectionDone()))
    assert "could not receive data" in out[0].getErrorMessage() and conn.closed


def test_cancel_never_calls_libpq_and_fails_when_the_server_ends_the_query(pg):
    """cancel() does not use libpq's cancel (it blocks, interpreter held, until the server
    answers): the query fails with CancelledError when the server ends it (its
    statement_timeout), and the connection is free again, no timer left."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    stopped = QueryCanceledError("canceling statement due to statement timeout")
    pg.script += [POLL_READ, stopped, POLL_READ, POLL_OK]
    query = conn.runQuery("q", ())
    out = result_of(query)
    conn.cancel(query)
    conn.cancel(query)
    assert pg.cancels == 0 and out == [] and len(reactor.getDelayedCalls()) == 1
    conn.doRead()
    assert out[0].check(CancelledError) and not reactor.getDelayedCalls()
    assert result_of(conn.runQuery("next", ())) == [] and not conn.closed


def test_a_cancelled_query_left_unanswered_closes_its_connection(pg):
    """A frozen server: GIVE_UP seconds after the cancel, the connection is closed (one
    info line) and the query fails as on a lost connection."""
    reactor = MemoryReactorClock()
    conn = connected(pg, reactor)
    pg.script += [POLL_READ]
    query = conn.runQuery("q", ())
    out = result_of(query)
    with capturedLogs() as events:
        conn.cancel(query)
        reactor.advance(pg_connection.GIVE_UP - 0.01)
        assert not conn.closed and out == []
        reactor.advance(0.02)
    assert conn.closed and out[0].check(psycopg2.OperationalError)
    assert "unanswered 1 s after it was given up" in log_text(events)


def test_connect_refused_fails_and_closes(pg):
    """A connect that libpq gives up on fails with its error and closes the connection."""
    reactor = MemoryReactorClock()
    conn = PooledConnection(reactor)
    pg.script = [POLL_WRITE, psycopg2.OperationalError("Connection refused")]
    opened = result_of(conn.connect("dbname=x"))
    conn.doWrite()
    assert opened[0].check(psycopg2.OperationalError) and conn.closed
    assert reactor.getReaders() == reactor.getWriters() == []


def test_no_descriptor_left_for_the_watch_fails_the_connect(pg, monkeypatch):
    """Out of descriptors when connected (no duplicate to watch): the connect fails with
    that error and libpq's connection is closed, nothing left watched."""

    def no_descriptor(fd):
        raise OSError(24, "Too many open files")

    reactor = MemoryReactorClock()
    conn = PooledConnection(reactor)
    opened = result_of(conn.connect("dbname=x"))
    conn.doWrite()
    monkeypatch.setattr(pg_connection.os, "dup", no_descriptor)
    conn.doRead()
    assert "Too many open files" in opened[0].getErrorMessage()
    assert pg.closed and conn.closed and reactor.getReaders() == reactor.getWriters() == []


def test_open_connection_past_its_deadline_is_closed(pg):
    """A connect still going after ``timeout`` is closed and fails saying so."""
    clock = MemoryReactorClock()
    opened = result_of(open_connection(clock, "dbname=x", secrets=(), prepare=None, timeout=2.0))
    clock.advance(2.0)
    assert "no answer within 2 s" in opened[0].getErrorMessage()
    assert pg.closed and clock.getWriters() == []


def test_open_connection_sets_the_statement_timeout_first_and_gives_up_past_it(monkeypatch):
    """With ``statement_timeout`` the connection first sets the server's (in ms, before
    the prepare), and gives a cancelled query up GIVE_UP seconds past it."""
    monkeypatch.setattr(pg_connection, "PooledConnection", FakeConnection)
    clock = Clock()
    for prepare, first in ((None, "SET statement_timeout = 300"),
                           ("PREPARE s", "SET statement_timeout = 300; PREPARE s")):  # fmt: skip
        open_connection(clock, "dbname=x", secrets=(), prepare=prepare, timeout=2.0,
                        statement_timeout=0.3)  # fmt: skip
        conn = FakeConnection.instances[-1]
        conn.connecting.callback(conn)
        assert conn.queries[0][0] == first
        assert conn.give_up == pytest.approx(pg_connection.GIVE_UP + 0.3)


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
