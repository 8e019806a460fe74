"""Tests of the store's statements."""

from __future__ import annotations

from xivo_cti.userdata import HistoryRow
from xivo_cti.userdata._sql import add_history, schema


def test_schema_differs_only_in_the_key_type():
    """SQLite uses its rowid, PostgreSQL a bigserial; every statement is idempotent."""
    sqlite, postgres = schema("sqlite"), schema("postgresql")
    assert len(sqlite) == len(postgres)
    assert "INTEGER PRIMARY KEY" in sqlite[0][0] and "BIGSERIAL" in postgres[0][0]
    assert all("IF NOT EXISTS" in sql for sql, _ in sqlite + postgres)


def test_one_batch_trims_each_user_once():
    """A batch inserts each row and trims each user it touched once, with parameters."""
    rows = [HistoryRow(login=login, calldate=1.0, mode=0, extension="1", fullname="",
                       duration=0) for login in ("alice", "bob", "alice")]  # fmt: skip
    plan = add_history(rows, keep=7)
    assert [sql.split()[0] for sql, _ in plan] == ["INSERT"] * 3 + ["DELETE"] * 2
    assert [params for _, params in plan[3:]] == [("alice", "alice", 7), ("bob", "bob", 7)]
