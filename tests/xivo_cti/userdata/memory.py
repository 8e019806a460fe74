"""A ``Runner`` over a SQLite database in memory, run at once in the test's thread."""

from __future__ import annotations

import sqlite3
from typing import Any

from twisted.internet import defer

from xivo_cti.userdata import StoreError, UserDataStore
from xivo_cti.userdata._runners import _execute
from xivo_cti.userdata._sql import Plan, schema


class MemoryRunner:
    """The same SQL as the real stores, synchronously; ``broken`` makes every plan fail."""

    def __init__(self) -> None:
        self.conn = sqlite3.connect(":memory:")
        _execute(self.conn, schema("sqlite"))
        self.broken = False
        self.plans: list[Plan] = []

    def open(self) -> defer.Deferred[None]:
        return defer.succeed(None)

    def run(self, plan: Plan) -> defer.Deferred[Any]:
        self.plans.append(plan)
        if self.broken:
            return defer.fail(StoreError("database down"))
        return defer.succeed(_execute(self.conn, plan))

    def close(self) -> defer.Deferred[None]:
        return defer.succeed(None)


def memory_store() -> tuple[UserDataStore, MemoryRunner]:
    """A store in memory and its runner."""
    runner = MemoryRunner()
    return UserDataStore(runner), runner
