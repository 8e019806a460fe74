"""Build the ``UserStore`` from the ``users_file`` / ``users_db`` configuration keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.users._config import UsersDBConfig
from xivo_cti.users._pgsource import PostgresSource
from xivo_cti.users._store import (
    FileSource,
    RunInThread,
    UserSource,
    UserStore,
    read_users_file,
    thread_runner,
)

__all__ = ["InitialLoad", "make_user_store", "user_source"]


def make_user_store(
    users_file: str, users_db: UsersDBConfig, reactor: Any, threadpool: Any = None
) -> UserStore:
    """A store loaded now from the file (start-up may block), or empty until the first
    ``reload()`` when ``users_db.dsn`` is set (``InitialLoad`` does it).  Raises
    ``ConfigError`` on a bad file."""
    run = thread_runner(reactor, threadpool or reactor.getThreadPool())
    source = user_source(users_file, users_db, reactor, run)
    if users_db.dsn:
        return UserStore(source)
    return UserStore(source, read_users_file(users_file))


def user_source(
    users_file: str, users_db: UsersDBConfig, reactor: Any, run: RunInThread
) -> UserSource:
    """Where the users come from: the database table when ``users_db.dsn`` is set, else
    the file."""
    if users_db.dsn:
        return PostgresSource(users_db.dsn, users_db.table, reactor)
    return FileSource(users_file, run)


class InitialLoad(Service):
    """Loads a database-backed user table once running by ``load`` (``CtidApp.reload_users``),
    retrying until it succeeds (the database may start after xivo-ctid); SIGHUP reloads it
    later."""

    log = Logger()

    def __init__(
        self, load: Callable[[], Deferred[Any]], clock: IReactorTime, retry: float = 10.0
    ) -> None:
        self.load = load
        self.clock = clock
        self.retry = retry
        self._next: IDelayedCall | None = None

    def startService(self) -> None:
        super().startService()
        self._attempt()

    def stopService(self) -> None:
        super().stopService()
        if self._next is not None and self._next.active():
            self._next.cancel()
        self._next = None

    def _attempt(self) -> None:
        self._next = None
        self.load().addErrback(self._failed)

    def _failed(self, failure: Failure) -> None:
        self.log.error(
            "users not loaded, retrying in {retry} s: {error}",
            retry=self.retry,
            error=failure.getErrorMessage(),
        )
        if self.running:
            self._next = self.clock.callLater(self.retry, self._attempt)
