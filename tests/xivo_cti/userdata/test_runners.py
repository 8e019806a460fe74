"""Tests of the SQLite runner on a real file, with the real reactor."""

from __future__ import annotations

import threading

import pytest
import pytest_twisted

from xivo_cti.userdata import SQLiteRunner, StoreError


def _thread_name() -> str:
    return threading.current_thread().name


@pytest_twisted.ensureDeferred
async def test_plans_run_in_their_own_thread_and_survive_a_reopen(tmp_path):
    """The file and its folder are made; statements run outside the reactor's thread;
    what was written is there for a new runner on the same file."""
    from twisted.internet import reactor

    path = tmp_path / "state" / "sub" / "userdata.sqlite3"
    runner = SQLiteRunner(str(path), reactor)
    await runner.open()
    await runner.run([("CREATE TABLE t (v TEXT)", ()), ("INSERT INTO t VALUES (%s)", ("x'y",))])
    runner._conn.create_function("thread_name", 0, _thread_name)
    [(name,)] = await runner.run([("SELECT thread_name()", ())])
    assert name != threading.current_thread().name
    await runner.close()
    assert not runner._pool.started
    again = SQLiteRunner(str(path), reactor)
    assert await again.run([("SELECT v FROM t", ())]) == [("x'y",)]
    await again.close()


@pytest_twisted.ensureDeferred
async def test_errors_are_store_errors_naming_the_file(tmp_path):
    """A bad statement or an unusable path fails with ``StoreError``; the runner goes on."""
    from twisted.internet import reactor

    runner = SQLiteRunner(str(tmp_path / "db.sqlite3"), reactor)
    await runner.open()
    with pytest.raises(StoreError, match="db.sqlite3"):
        await runner.run([("SELECT * FROM missing", ())])
    assert await runner.run([("SELECT 1", ())]) == [(1,)]
    await runner.close()
    (tmp_path / "file").write_text("")
    blocked = SQLiteRunner(str(tmp_path / "file" / "db.sqlite3"), reactor)
    with pytest.raises(StoreError, match="file"):
        await blocked.open()
    await blocked.close()
