"""Tests of the store's operations, on a real SQLite database in memory."""

from __future__ import annotations

from twisted.internet.defer import Deferred

from tests.xivo_cti.userdata.memory import memory_store
from xivo_cti.state import MAX_WINDOW, QueueCallLeft
from xivo_cti.userdata import COLLEAGUES, PERSONAL, Contact, HistoryRow, QueueOutcome


def result(d: Deferred):
    """The result of a Deferred that already fired."""
    out = []
    d.addBoth(out.append)
    (value,) = out
    if hasattr(value, "raiseException"):
        value.raiseException()
    return value


def row(login: str, n: int) -> HistoryRow:
    return HistoryRow(login=login, calldate=float(n), mode=n % 3, extension=str(n),
                      fullname=f"name {n}", duration=n)  # fmt: skip


def test_history_keeps_the_last_calls_of_each_user():
    """Beyond ``keep``, a user's oldest calls go; other users keep theirs; newest first."""
    store, _ = memory_store()
    result(store.add_history([row("alice", n) for n in range(4)] + [row("bob", 10)], keep=3))
    result(store.add_history([row("alice", 4)], keep=3))
    assert [r.calldate for r in result(store.history("alice", 10))] == [4.0, 3.0, 2.0]
    assert result(store.history("alice", 2)) == [row("alice", 4), row("alice", 3)]
    assert result(store.history("bob", 10)) == [row("bob", 10)]
    assert result(store.history("carol", 10)) == []


def outcome(ipbx: str, uniqueid: str, ended: float) -> QueueOutcome:
    left = QueueCallLeft(queue="q", uniqueid=uniqueid, ended=ended, holdtime=2,
                         answered=uniqueid != "abandoned")  # fmt: skip
    return QueueOutcome(ipbx=ipbx, left=left)


def test_queue_outcomes_are_kept_once_and_for_the_longest_window():
    """Written with the calls; the same caller's outcome twice (two nodes) is kept once;
    those older than MAX_WINDOW before the newest written go; read oldest first."""
    store, _ = memory_store()
    old = outcome("xivo", "0.1", 1000.0)
    result(store.add_history([old, outcome("xivo", "1.1", 5000.0), row("alice", 1)], keep=3))
    later = [outcome("b", "1.1", 6000.0), outcome("xivo", "1.1", 5000.0),
             outcome("xivo", "abandoned", MAX_WINDOW + 1500.0)]  # fmt: skip
    result(store.add_history(later, keep=3))
    assert result(store.queue_outcomes(0.0)) == [
        outcome("xivo", "1.1", 5000.0), outcome("b", "1.1", 6000.0),
        outcome("xivo", "abandoned", MAX_WINDOW + 1500.0),
    ]  # fmt: skip
    assert result(store.queue_outcomes(5500.0))[0].ipbx == "b"
    assert result(store.history("alice", 10)) == [row("alice", 1)]


def test_contacts_are_added_replaced_and_deleted_per_user():
    """Saving an id again replaces it; deleting one leaves the others; users apart."""
    store, _ = memory_store()
    result(store.save_contacts("alice", [Contact(id="a", firstname="Ann"), Contact(id="b")]))
    result(store.save_contacts("alice", [Contact(id="a", firstname="Anna", number="0612")]))
    result(store.save_contacts("bob", [Contact(id="a", lastname="Other")]))
    assert result(store.contacts("alice")) == [
        Contact(id="a", firstname="Anna", number="0612"),
        Contact(id="b"),
    ]
    result(store.delete_contacts("alice", ["a"]))
    assert result(store.contacts("alice")) == [Contact(id="b")]
    assert result(store.contacts("bob")) == [Contact(id="a", lastname="Other")]


def test_deleting_contacts_removes_their_favourite_marks_only():
    """A deleted (or purged) contact is no longer a favourite; colleagues stay."""
    store, _ = memory_store()
    result(store.save_contacts("alice", [Contact(id="a"), Contact(id="b")]))
    for source, entry in [(PERSONAL, "a"), (PERSONAL, "b"), (COLLEAGUES, "2")]:
        result(store.set_favorite("alice", source, entry, True))
    result(store.set_favorite("alice", COLLEAGUES, "2", True))  # twice: still one
    result(store.delete_contacts("alice", ["a"]))
    assert result(store.favorites("alice")) == {(PERSONAL, "b"), (COLLEAGUES, "2")}
    result(store.delete_contacts("alice", None))
    assert result(store.contacts("alice")) == []
    assert result(store.favorites("alice")) == {(COLLEAGUES, "2")}
    result(store.set_favorite("alice", COLLEAGUES, "2", False))
    assert result(store.favorites("alice")) == set()


def test_values_are_parameters_not_sql():
    """Quotes and SQL in values are stored as they are."""
    store, _ = memory_store()
    evil = "x'); DROP TABLE cti_history; --"
    result(store.save_contacts(evil, [Contact(id=evil, company=evil)]))
    result(store.add_history([row(evil, 1)], keep=5))
    assert result(store.contacts(evil))[0].company == evil
    assert result(store.history(evil, 5))[0].login == evil
