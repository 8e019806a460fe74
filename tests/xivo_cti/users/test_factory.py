"""Tests for xivo_cti.users._factory: building the store and the initial database load."""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock

from xivo_cti.users._config import UsersDBConfig
from xivo_cti.users._factory import InitialLoad, make_user_store


class FlakyStore:
    """Fails ``failures`` reloads, then succeeds."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def reload(self) -> defer.Deferred:
        self.calls += 1
        if self.calls <= self.failures:
            return defer.fail(ConnectionRefusedError("database down"))
        return defer.succeed(None)


def test_initial_load_retries_until_it_succeeds():
    """A failed load is retried every ``retry`` seconds, and not after a success."""
    clock = Clock()
    store = FlakyStore(failures=2)
    InitialLoad(store.reload, clock, retry=5).startService()
    assert store.calls == 1
    clock.advance(5)
    assert store.calls == 2
    clock.advance(5)
    assert store.calls == 3
    clock.advance(50)
    assert store.calls == 3


def test_stopping_cancels_the_retry():
    """Once stopped, no retry is left scheduled."""
    clock = Clock()
    store = FlakyStore(failures=10)
    loader = InitialLoad(store.reload, clock, retry=5)
    loader.startService()
    loader.stopService()
    assert clock.getDelayedCalls() == []
    clock.advance(60)
    assert store.calls == 1


def test_file_store_is_loaded_at_once(tmp_path):
    """Without users_db.dsn the users file is read when the store is made."""
    from tests.xivo_cti.conftest import bcrypt_hash

    path = tmp_path / "users.yml"
    path.write_text(
        f"- {{login: ann, password_hash: '{bcrypt_hash('pw')}', line: PJSIP/ann,"
        " extension: '2001'}\n"
    )
    store = make_user_store(str(path), UsersDBConfig(), Clock(), threadpool=object())
    assert store.get("ann").line == "PJSIP/ann"


def test_database_error_is_logged_without_the_dsn_password():
    """libpq's error quoting the DSN (here one it refuses) reaches the log masked."""
    from twisted.logger import capturedLogs

    from tests.logtext import log_text

    clock = Clock()
    clock.getThreadPool = lambda: None  # the database source does not use threads
    dsn = "postgresql://xivo:S3ntinel@[::1/xivo"  # built directly: the config refuses it
    store = make_user_store("", UsersDBConfig(dsn=dsn), clock)
    with capturedLogs() as events:
        InitialLoad(store.reload, clock, retry=5).startService()
    text = log_text(events)
    assert "users not loaded" in text and "invalid dsn" in text
    assert "S3ntinel" not in text
