"""Tests of the UserData service: which store, opened once running, flushed on stop."""

from __future__ import annotations

from twisted.internet.testing import MemoryReactorClock

from tests.xivo_cti.userdata.memory import memory_store
from tests.xivo_cti.userdata.test_store import result, row
from xivo_cti.state import MAX_WINDOW, QueueCallLeft
from xivo_cti.userdata import (
    PostgresRunner,
    QueueOutcome,
    SQLiteRunner,
    UserData,
    UserDataConfig,
    make_userdata,
)


def test_postgresql_when_a_dsn_is_set_else_a_file_in_the_directory(tmp_path):
    """users_db's DSN selects PostgreSQL (shared: other nodes may write it too); else
    userdata.sqlite3 in the state directory (this node's own)."""
    reactor = MemoryReactorClock()
    pg = make_userdata(UserDataConfig(), "host=127.0.0.1 dbname=x", str(tmp_path), reactor)
    assert isinstance(pg.store.runner, PostgresRunner) and pg.shared
    local = make_userdata(UserDataConfig(), "", str(tmp_path), reactor)
    assert isinstance(local.store.runner, SQLiteRunner) and not local.shared
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


def test_queue_calls_of_the_last_day_are_read_back_once_running():
    """Once running, the queue calls kept within MAX_WINDOW are given (once, even if the
    service starts again); a store that fails gives none."""
    reactor = MemoryReactorClock()
    reactor.advance(MAX_WINDOW + 100)
    store, runner = memory_store()
    kept = QueueOutcome(ipbx="xivo", left=QueueCallLeft(queue="q", uniqueid="1.1",
                        ended=MAX_WINDOW + 50, holdtime=1, answered=True))  # fmt: skip
    old = QueueOutcome(ipbx="xivo", left=QueueCallLeft(queue="q", uniqueid="1.0", ended=10.0,
                       holdtime=1, answered=True))  # fmt: skip
    result(store.add_history([old, kept], keep=5))
    service = UserData(store, UserDataConfig(), reactor)
    got: list = []
    service.kept_outcomes.addCallback(got.append)
    service.startService()
    assert got == []
    for _ in range(2):
        for hook, args, kwargs in reactor.whenRunningHooks:
            hook(*args, **kwargs)
    assert got == [[kept]]
    broken_store, broken = memory_store()
    broken.broken = True
    failing = UserData(broken_store, UserDataConfig(), reactor)
    failing.startService()
    reactor.whenRunningHooks[-1][0]()
    assert result(failing.kept_outcomes) == []
