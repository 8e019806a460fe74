"""``UserData``: the store, the history writer and the contact books, as one service."""

from __future__ import annotations

import os
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_cti.state import MAX_WINDOW
from xivo_cti.userdata._books import ContactBooks
from xivo_cti.userdata._config import UserDataConfig
from xivo_cti.userdata._model import QueueOutcome
from xivo_cti.userdata._runners import PostgresRunner, SQLiteRunner
from xivo_cti.userdata._store import UserDataStore
from xivo_cti.userdata._writer import HistoryWriter

__all__ = ["DATABASE_FILE", "UserData", "make_userdata"]

DATABASE_FILE = "userdata.sqlite3"


class UserData(Service):
    """Opens the store once the reactor runs, then reads back the queue calls of the last
    ``MAX_WINDOW`` seconds into ``kept_outcomes`` (none if the store fails); on stop
    writes the calls left and closes it.

    A store that cannot be opened is logged; every later use tries again.  ``shared``: the
    store is a database that other nodes may write too (PostgreSQL).
    """

    log = Logger()

    def __init__(
        self, store: UserDataStore, config: UserDataConfig, reactor: Any, *, shared: bool = False
    ) -> None:
        self.store = store
        self.shared = shared
        self.config = config
        self._reactor = reactor
        self.writer = HistoryWriter(
            store, reactor, keep=config.history_size, interval=config.flush_interval
        )
        self.books = ContactBooks(store)
        self.kept_outcomes: Deferred[list[QueueOutcome]] = Deferred()
        self._outcomes_asked = False

    def startService(self) -> None:
        """Open the store when the reactor runs."""
        super().startService()
        self._reactor.callWhenRunning(self._open)

    def _open(self) -> None:
        if not self.running:
            return
        self.store.open().addErrback(self._open_failed)
        if self._outcomes_asked:
            return
        self._outcomes_asked = True
        d = self.store.queue_outcomes(self._reactor.seconds() - MAX_WINDOW)
        d.addErrback(self._outcomes_failed)
        d.chainDeferred(self.kept_outcomes)

    def _outcomes_failed(self, failure: Failure) -> list[QueueOutcome]:
        self.log.warn("queue calls of the last day not read back: {error}",
                      error=failure.getErrorMessage())  # fmt: skip
        return []

    def _open_failed(self, failure: Failure) -> None:
        self.log.error("per-user data store not available: {error}",
                       error=failure.getErrorMessage())  # fmt: skip

    def stopService(self) -> Deferred[None]:
        """Write the calls left, then close the store."""
        super().stopService()
        d = self.writer.stop()
        d.addBoth(lambda _: self.store.close())
        d.addErrback(lambda f: self.log.warn("closing the per-user data store: {error}",
                                             error=f.getErrorMessage()))  # fmt: skip
        return d


def make_userdata(config: UserDataConfig, dsn: str, directory: str, reactor: Any) -> UserData:
    """PostgreSQL when ``dsn`` is set, else a SQLite file in ``directory``."""
    if dsn:
        runner: Any = PostgresRunner(dsn, reactor)
    else:
        runner = SQLiteRunner(os.path.join(directory, DATABASE_FILE), reactor)
    return UserData(UserDataStore(runner), config, reactor, shared=bool(dsn))
