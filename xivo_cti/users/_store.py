"""The live table of users: lookups, and reload without downtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from twisted.internet import defer, threads
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from xivo.config import read_text
from xivo_cti.users._loader import parse_users_text
from xivo_cti.users._model import User

__all__ = [
    "FileSource",
    "RunInThread",
    "UserSource",
    "UserStore",
    "read_users_file",
    "thread_runner",
]

RunInThread = Callable[..., Deferred]


class UserSource(Protocol):
    """Where users come from; ``load`` never blocks the reactor."""

    def load(self) -> Deferred[tuple[User, ...]]: ...


def thread_runner(reactor: Any, threadpool: Any) -> RunInThread:
    """A ``RunInThread`` running a function in ``threadpool``, its result back in the reactor."""

    def run(fn: Callable[..., Any], *args: Any) -> Deferred:
        return threads.deferToThreadPool(reactor, threadpool, fn, *args)

    return run


def read_users_file(path: str) -> tuple[User, ...]:
    """Read and validate a users file (blocking: at start-up or in a thread)."""
    return parse_users_text(read_text(path), path)


class FileSource:
    """Users from a YAML file, read in a thread."""

    def __init__(self, path: str, run_in_thread: RunInThread) -> None:
        self.path = path
        self._run = run_in_thread

    def load(self) -> Deferred[tuple[User, ...]]:
        """Read and validate the file; errbacks with ``ConfigError``."""
        return self._run(read_users_file, self.path)


class UserStore:
    """Users by login and id; ``reload`` swaps the whole table at once, sessions stay up.

    A reload fires with the new table, for its caller to pass on (``CtidApp.reload_users``);
    a failed one keeps the previous table and errbacks with the reason.
    """

    log = Logger()

    def __init__(self, source: UserSource, users: tuple[User, ...] = ()) -> None:
        self._source = source
        self._by_login: dict[str, User] = {}
        self._by_id: dict[str, User] = {}
        self.replace(users)

    def replace(self, users: tuple[User, ...]) -> None:
        """Install a new table of users."""
        self._by_login = {u.login: u for u in users}
        self._by_id = {u.id: u for u in users}

    def reload(self, source: UserSource | None = None) -> Deferred[tuple[User, ...]]:
        """Load the source again (or ``source``, which then replaces it once it loaded),
        swap the table in and fire with it (for SIGHUP)."""
        source = source or self._source
        d = defer.maybeDeferred(source.load)

        def loaded(users: tuple[User, ...]) -> tuple[User, ...]:
            self._source = source
            self.replace(users)
            self.log.info("users reloaded: {count} users", count=len(users))
            return users

        return d.addCallback(loaded)

    def get(self, login: str) -> User | None:
        """The user with this login, or None."""
        return self._by_login.get(login)

    def by_id(self, user_id: str) -> User | None:
        """The user with this id, or None."""
        return self._by_id.get(user_id)

    def all(self) -> list[User]:
        """Every user, in file order."""
        return list(self._by_login.values())
