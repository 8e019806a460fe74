"""``UserDataStore``: the per-user data of xivo-ctid, typed, over a ``Runner``."""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.defer import Deferred

from xivo_cti.userdata import _sql
from xivo_cti.userdata._model import Contact, HistoryRow, QueueOutcome
from xivo_cti.userdata._runners import Runner

__all__ = ["UserDataStore"]


class UserDataStore:
    """History, personal contacts and favourites of every user, by login; recent queue
    outcomes.

    Every method returns a Deferred; a failure is a ``StoreError``.
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def open(self) -> Deferred[None]:
        """Open the database, creating the missing tables."""
        return self.runner.open()

    def close(self) -> Deferred[None]:
        """Close once what was asked before is done."""
        return self.runner.close()

    def add_history(self, rows: Sequence[HistoryRow | QueueOutcome], keep: int) -> Deferred[None]:
        """Add calls, keeping the last ``keep`` of each user, and queue outcomes, keeping
        those of the longest statistics window (one transaction)."""
        calls = [r for r in rows if isinstance(r, HistoryRow)]
        outcomes = [r for r in rows if isinstance(r, QueueOutcome)]
        plan = _sql.add_history(calls, keep) + _sql.add_queue_outcomes(outcomes)
        return self.runner.run(plan).addCallback(lambda _: None)

    def queue_outcomes(self, since: float) -> Deferred[list[QueueOutcome]]:
        """The queue outcomes since ``since`` (epoch seconds), oldest first."""
        d = self.runner.run(_sql.read_queue_outcomes(since))
        return d.addCallback(_sql.queue_outcome_rows)

    def history(self, login: str, limit: int) -> Deferred[list[HistoryRow]]:
        """The last ``limit`` calls of ``login``, newest first."""
        return self.runner.run(_sql.read_history(login, limit)).addCallback(_sql.history_rows)

    def contacts(self, login: str) -> Deferred[list[Contact]]:
        """The personal contacts of ``login``."""
        return self.runner.run(_sql.read_contacts(login)).addCallback(_sql.contact_rows)

    def save_contacts(self, login: str, contacts: Sequence[Contact]) -> Deferred[None]:
        """Add or replace personal contacts (by id)."""
        plan = _sql.save_contacts(login, contacts)
        return self.runner.run(plan).addCallback(lambda _: None)

    def delete_contacts(self, login: str, ids: Sequence[str] | None) -> Deferred[None]:
        """Delete personal contacts and their favourite marks (``ids`` None: all)."""
        return self.runner.run(_sql.delete_contacts(login, ids)).addCallback(lambda _: None)

    def favorites(self, login: str) -> Deferred[set[tuple[str, str]]]:
        """The (source, entry id) pairs ``login`` marked as favourites."""
        d = self.runner.run(_sql.read_favorites(login))
        return d.addCallback(lambda rows: {(r[0], r[1]) for r in rows})

    def set_favorite(self, login: str, source: str, entry_id: str, on: bool) -> Deferred[None]:
        """Mark or unmark a favourite."""
        plan = _sql.set_favorite(login, source, entry_id, on)
        return self.runner.run(plan).addCallback(lambda _: None)
