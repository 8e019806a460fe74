"""The store's statements, shared by SQLite and PostgreSQL (``%s`` placeholders; the
SQLite runner turns them into ``?``).

An operation is a ``Plan``: statements run in one transaction, the rows of the last
one returned.  Building plans is pure; the runners only execute them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from xivo_cti.state import MAX_WINDOW, QueueCallLeft
from xivo_cti.userdata._model import CONTACT_FIELDS, PERSONAL, Contact, HistoryRow, QueueOutcome

__all__ = [
    "Plan",
    "add_history",
    "add_queue_outcomes",
    "contact_rows",
    "delete_contacts",
    "history_rows",
    "queue_outcome_rows",
    "read_contacts",
    "read_favorites",
    "read_history",
    "read_queue_outcomes",
    "save_contacts",
    "schema",
    "set_favorite",
]

Statement = tuple[str, tuple[Any, ...]]
Plan = list[Statement]

_HISTORY = "cti_history"
_CONTACTS = "cti_personal_contacts"
_FAVORITES = "cti_favorites"
_OUTCOMES = "cti_queue_outcomes"
_CONTACT_COLUMNS = ", ".join(CONTACT_FIELDS)


def schema(dialect: Literal["sqlite", "postgresql"]) -> Plan:
    """Creates the tables and indexes that are missing."""
    serial = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGSERIAL PRIMARY KEY"
    fields = ", ".join(f"{name} TEXT NOT NULL DEFAULT ''" for name in CONTACT_FIELDS)
    return [
        (f"CREATE TABLE IF NOT EXISTS {_HISTORY} (id {serial}, login TEXT NOT NULL, "
         "calldate DOUBLE PRECISION NOT NULL, mode INTEGER NOT NULL, extension TEXT NOT NULL, "
         "fullname TEXT NOT NULL, duration INTEGER NOT NULL)", ()),
        (f"CREATE INDEX IF NOT EXISTS {_HISTORY}_login_idx ON {_HISTORY} (login, id)", ()),
        (f"CREATE TABLE IF NOT EXISTS {_CONTACTS} (login TEXT NOT NULL, id TEXT NOT NULL, "
         f"{fields}, PRIMARY KEY (login, id))", ()),
        (f"CREATE TABLE IF NOT EXISTS {_FAVORITES} (login TEXT NOT NULL, source TEXT NOT NULL, "
         "entry_id TEXT NOT NULL, PRIMARY KEY (login, source, entry_id))", ()),
        (f"CREATE TABLE IF NOT EXISTS {_OUTCOMES} (ipbx TEXT NOT NULL, queue TEXT NOT NULL, "
         "uniqueid TEXT NOT NULL, ended DOUBLE PRECISION NOT NULL, holdtime INTEGER NOT NULL, "
         "answered INTEGER NOT NULL, PRIMARY KEY (ipbx, queue, uniqueid, answered))", ()),
        (f"CREATE INDEX IF NOT EXISTS {_OUTCOMES}_ended_idx ON {_OUTCOMES} (ended)", ()),
    ]  # fmt: skip


def add_history(rows: Sequence[HistoryRow], keep: int) -> Plan:
    """Insert ``rows``, then keep only the last ``keep`` rows of each user concerned."""
    plan: Plan = [
        (f"INSERT INTO {_HISTORY} (login, calldate, mode, extension, fullname, duration) "
         "VALUES (%s, %s, %s, %s, %s, %s)",
         (r.login, r.calldate, r.mode, r.extension, r.fullname, r.duration))
        for r in rows
    ]  # fmt: skip
    for login in dict.fromkeys(r.login for r in rows):
        plan.append(
            (f"DELETE FROM {_HISTORY} WHERE login = %s AND id NOT IN (SELECT id FROM "  # noqa: S608
             f"{_HISTORY} WHERE login = %s ORDER BY id DESC LIMIT %s)", (login, login, keep))
        )  # fmt: skip
    return plan


def add_queue_outcomes(outcomes: Sequence[QueueOutcome]) -> Plan:
    """Insert ``outcomes`` (once per caller: several nodes may record the same), then drop
    those older than the longest statistics window before the newest."""
    plan: Plan = [
        (f"INSERT INTO {_OUTCOMES} (ipbx, queue, uniqueid, ended, holdtime, answered) "  # noqa: S608
         "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
         (o.ipbx, o.left.queue, o.left.uniqueid, o.left.ended, o.left.holdtime,
          int(o.left.answered)))
        for o in outcomes
    ]  # fmt: skip
    if outcomes:
        since = max(o.left.ended for o in outcomes) - MAX_WINDOW
        plan.append((f"DELETE FROM {_OUTCOMES} WHERE ended < %s", (since,)))  # noqa: S608
    return plan


def read_queue_outcomes(since: float) -> Plan:
    """The queue outcomes since ``since`` (epoch seconds), oldest first."""
    return [
        (f"SELECT ipbx, queue, uniqueid, ended, holdtime, answered FROM {_OUTCOMES} "  # noqa: S608
         "WHERE ended >= %s ORDER BY ended", (since,))
    ]  # fmt: skip


def queue_outcome_rows(rows: Sequence[Sequence[Any]]) -> list[QueueOutcome]:
    """``read_queue_outcomes``'s result as outcomes."""
    return [
        QueueOutcome(ipbx=r[0], left=QueueCallLeft(queue=r[1], uniqueid=r[2], ended=float(r[3]),
                                                   holdtime=int(r[4]), answered=bool(r[5])))
        for r in rows
    ]  # fmt: skip


def read_history(login: str, limit: int) -> Plan:
    """The last ``limit`` calls of ``login``, newest first."""
    return [
        (f"SELECT login, calldate, mode, extension, fullname, duration FROM {_HISTORY} "  # noqa: S608
         "WHERE login = %s ORDER BY id DESC LIMIT %s", (login, limit))
    ]  # fmt: skip


def history_rows(rows: Sequence[Sequence[Any]]) -> list[HistoryRow]:
    """``read_history``'s result as rows."""
    return [
        HistoryRow(login=r[0], calldate=float(r[1]), mode=int(r[2]), extension=r[3],
                   fullname=r[4], duration=int(r[5]))
        for r in rows
    ]  # fmt: skip


def read_contacts(login: str) -> Plan:
    """Every personal contact of ``login``."""
    return [
        (f"SELECT id, {_CONTACT_COLUMNS} FROM {_CONTACTS} WHERE login = %s ORDER BY id",  # noqa: S608
         (login,))
    ]  # fmt: skip


def contact_rows(rows: Sequence[Sequence[Any]]) -> list[Contact]:
    """``read_contacts``'s result as contacts."""
    return [Contact(id=r[0], **dict(zip(CONTACT_FIELDS, r[1:], strict=True))) for r in rows]


def save_contacts(login: str, contacts: Sequence[Contact]) -> Plan:
    """Insert or replace ``contacts`` of ``login``."""
    marks = ", ".join(["%s"] * (len(CONTACT_FIELDS) + 2))
    updates = ", ".join(f"{name} = excluded.{name}" for name in CONTACT_FIELDS)
    sql = (f"INSERT INTO {_CONTACTS} (login, id, {_CONTACT_COLUMNS}) VALUES ({marks}) "  # noqa: S608
           f"ON CONFLICT (login, id) DO UPDATE SET {updates}")  # fmt: skip
    return [(sql, (login, c.id, *c.values())) for c in contacts]


def delete_contacts(login: str, ids: Sequence[str] | None) -> Plan:
    """Delete the contacts ``ids`` of ``login`` (None: all), with their favourite marks."""
    if ids is None:
        return [
            (f"DELETE FROM {_CONTACTS} WHERE login = %s", (login,)),  # noqa: S608
            (f"DELETE FROM {_FAVORITES} WHERE login = %s AND source = %s", (login, PERSONAL)),  # noqa: S608
        ]
    plan: Plan = []
    for contact_id in ids:
        plan.append((f"DELETE FROM {_CONTACTS} WHERE login = %s AND id = %s", (login, contact_id)))  # noqa: S608
        plan.append(
            (f"DELETE FROM {_FAVORITES} WHERE login = %s AND source = %s AND entry_id = %s",  # noqa: S608
             (login, PERSONAL, contact_id))
        )  # fmt: skip
    return plan


def read_favorites(login: str) -> Plan:
    """The favourite marks of ``login``: (source, entry id) rows."""
    return [(f"SELECT source, entry_id FROM {_FAVORITES} WHERE login = %s", (login,))]  # noqa: S608


def set_favorite(login: str, source: str, entry_id: str, on: bool) -> Plan:
    """Mark or unmark one entry as a favourite of ``login``."""
    if on:
        sql = (f"INSERT INTO {_FAVORITES} (login, source, entry_id) VALUES (%s, %s, %s) "  # noqa: S608
               "ON CONFLICT DO NOTHING")  # fmt: skip
    else:
        sql = f"DELETE FROM {_FAVORITES} WHERE login = %s AND source = %s AND entry_id = %s"  # noqa: S608
    return [(sql, (login, source, entry_id))]
