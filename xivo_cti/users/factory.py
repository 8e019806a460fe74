"""Build the ``UserStore`` from the ``users_file`` / ``users_db`` configuration keys."""

from __future__ import annotations

from typing import Any

from xivo_cti.users.config import UsersDBConfig
from xivo_cti.users.pgsource import PostgresSource
from xivo_cti.users.store import FileSource, UserStore, read_users_file, thread_runner

__all__ = ["make_user_store"]


def make_user_store(
    users_file: str, users_db: UsersDBConfig, reactor: Any, threadpool: Any = None
) -> UserStore:
    """A store loaded now from the file (start-up may block), or empty until the first
    ``reload()`` when ``users_db.dsn`` is set.  Raises ``ConfigError`` on a bad file."""
    run = thread_runner(reactor, threadpool or reactor.getThreadPool())
    if users_db.dsn:
        return UserStore(PostgresSource(users_db.dsn, users_db.table, reactor), run)
    return UserStore(FileSource(users_file, run), run, read_users_file(users_file))
