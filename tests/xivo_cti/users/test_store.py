"""Tests of the user store: lookups, reload."""

from __future__ import annotations

import pytest_twisted

from tests.xivo_cti.conftest import run_now, sample_users
from xivo.config import ConfigError
from xivo_cti.users._config import DEFAULT_USERS_FILE
from xivo_cti.users._hashing import verify_password
from xivo_cti.users._store import FileSource, UserStore, read_users_file


def test_failed_reload_keeps_table(tmp_path) -> None:
    """A reload of a broken file errbacks and keeps the previous users."""
    path = tmp_path / "users.yml"
    path.write_text("- {login: a, password_hash: plain, line: PJSIP/a, extension: 1}\n")
    store = UserStore(FileSource(str(path), run_now), sample_users())
    failures = []
    store.reload().addErrback(failures.append)
    assert failures[0].check(ConfigError)
    assert store.get("bob") is not None


def test_sample_file_loads() -> None:
    """The packaged sample users file is valid."""
    assert [u.login for u in read_users_file(DEFAULT_USERS_FILE)] == ["alice", "bob", "carol"]


@pytest_twisted.ensureDeferred
async def test_reload_in_real_thread(tmp_path) -> None:
    """reload reads the file in the reactor's thread pool and swaps the table."""
    from twisted.internet import reactor

    from xivo_cti.users._store import thread_runner

    run = thread_runner(reactor, reactor.getThreadPool())
    path = tmp_path / "users.yml"
    path.write_text(open(DEFAULT_USERS_FILE).read())
    store = UserStore(FileSource(str(path), run))
    table = await store.reload()
    assert store.get("alice").line == "PJSIP/alice" and list(table) == store.all()
    assert verify_password(store.get("alice").password_hash, "alice-secret")
