"""Tests of the ``history`` answer."""

from __future__ import annotations

from datetime import datetime

import pytest
from twisted.internet.task import Clock

from tests.xivo_cti.conftest import sample_users
from tests.xivo_cti.userdata.memory import memory_store
from xivo_cti._errors import CommandError
from xivo_cti.history import answer_history, history_message, requested_size
from xivo_cti.userdata import MISSED, HistoryRow, UserData, UserDataConfig

ALICE = sample_users()[0]


def row(n: int, login: str = "alice") -> HistoryRow:
    return HistoryRow(login=login, calldate=1_700_000_000.0 + n, mode=n % 3, extension=f"20{n:02}",
                      fullname=f"Caller {n}", duration=n)  # fmt: skip


def test_size_is_the_clients_string_bounded_by_the_limit():
    """``"8"`` and 8 are 8; more than the limit is the limit; no size is the limit."""
    assert requested_size("8", 100) == 8
    assert requested_size(8, 100) == 8
    assert requested_size("500", 100) == 100
    assert requested_size(None, 100) == 100
    for bad in ("-1", "0", 0, "eight", 2.5, True, "9" * 40):
        with pytest.raises(CommandError, match="invalid_size"):
            requested_size(bad, 100)


def test_message_has_the_fields_the_client_reads():
    """calldate is ISO 8601 in local time; mode, duration, extension, fullname as kept."""
    message = history_message([row(4)])
    [item] = message["history"]
    assert message["class"] == "history"
    assert datetime.fromisoformat(item["calldate"]).timestamp() == 1_700_000_004.0
    assert (item["extension"], item["fullname"], item["duration"], item["mode"]) == (
        "2004",
        "Caller 4",
        4,
        1,
    )


def _userdata(clock: Clock) -> UserData:
    store, _ = memory_store()
    return UserData(store, UserDataConfig(history_size=5), clock)


def test_answer_sees_calls_not_yet_written_newest_first():
    """A call just gathered by the writer is in the answer (the read follows a flush)."""
    clock = Clock()
    userdata = _userdata(clock)
    for n in range(3):
        userdata.writer.add(row(n))
    userdata.writer.add(row(9, login="bob"))
    result = _run(answer_history(userdata, ALICE, {"size": "2", "xuserid": "xivo/1"}, "xivo"))
    assert [item["extension"] for item in result["history"]] == ["2002", "2001"]
    assert [item["mode"] for item in result["history"]] == [MISSED, 1]
    assert clock.getDelayedCalls() == []  # the flush took the batch: no write left to do


def _run(coro):
    """Run a coroutine that does not wait for anything."""
    try:
        coro.send(None)
    except StopIteration as e:
        return e.value
    raise AssertionError("the coroutine waited")


def test_someone_elses_history_is_refused():
    """``xuserid`` of another user is forbidden."""
    with pytest.raises(CommandError, match="forbidden"):
        _run(answer_history(_userdata(Clock()), ALICE, {"xuserid": "xivo/2"}, "xivo"))


def test_store_down_is_service_unavailable():
    """A store failure is answered, not raised as an internal error."""
    clock = Clock()
    userdata = _userdata(clock)
    userdata.store.runner.broken = True
    with pytest.raises(CommandError, match="service_unavailable"):
        _run(answer_history(userdata, ALICE, {}, "xivo"))
