"""Tests of the store's statements."""

from __future__ import annotations

from xivo_cti.state import MAX_WINDOW, QueueCallLeft
from xivo_cti.userdata import HistoryRow, QueueOutcome
from xivo_cti.userdata._sql import add_history, add_queue_outcomes, schema


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


def test_queue_outcomes_once_each_and_trimmed_to_the_longest_window():
    """Each outcome is inserted unless already there; one DELETE drops those older than
    MAX_WINDOW before the newest of the batch; nothing for an empty batch."""
    outcomes = [
        QueueOutcome(ipbx="xivo", left=QueueCallLeft(queue="q", uniqueid=f"1.{n}",
                     ended=1000.0 * n, holdtime=n, answered=bool(n % 2)))
        for n in (1, 3)
    ]  # fmt: skip
    plan = add_queue_outcomes(outcomes)
    assert [sql.split()[0] for sql, _ in plan] == ["INSERT", "INSERT", "DELETE"]
    assert all("ON CONFLICT DO NOTHING" in sql for sql, _ in plan[:2])
    assert plan[0][1] == ("xivo", "q", "1.1", 1000.0, 1, 1)
    assert plan[2][1] == (3000.0 - MAX_WINDOW,)
    assert add_queue_outcomes([]) == []
