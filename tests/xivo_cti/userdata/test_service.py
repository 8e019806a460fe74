"""Tests of the UserData service: which store, opened once running, flushed on stop."""

from __future__ import annotations

from twisted.internet.testing import MemoryReactorClock

from tests.xivo_cti.userdata.memory import memory_store
from tests.xivo_cti.userdata.test_store import result, row
from xivo_cti.userdata import (
    PostgresRunner,
    SQLiteRunner,
    UserData,
    UserDataConfig,
    make_userdata,
)


def test_postgresql_when_a_dsn_is_set_else_a_file_in_the_directory(tmp_path):
    """users_db's DSN selects PostgreSQL; else userdata.sqlite3 in the state directory."""
    reactor = MemoryReactorClock()
    pg = make_userdata(UserDataConfig(), "host=127.0.0.1 dbname=x", str(tmp_path), reactor)
    assert isinstance(pg.store.runner, PostgresRunner)
    local = make_userdata(UserDataConfig(), "", str(tmp_path), reactor)
    assert isinstance(local.store.runner, SQLiteRunner)
    assert local.store.runner.path == str(tmp_path / "userdata.sqlite3")


def test_opened_when_the_reactor_runs_and_flushed_on_stop():
    """Nothing is opened before the reactor runs; stopping writes the gathered calls."""
    reactor = MemoryReactorClock()
    store, runner = memory_store()
    service = UserData(store, UserDataConfig(), reactor)
    service.startService()
    assert len(reactor.whenRunningHooks) == 1
    assert result(service.stopService()) is None
    service.startService()
    for hook, args, kwargs in reactor.whenRunningHooks:
        hook(*args, **kwargs)
    service.writer.add(row("alice", 1))
    result(service.stopService())
    assert len(result(store.history("alice", 5))) == 1
