"""Tests for PendingAction (how one action is completed by the messages it receives) and
PendingActions (the table of one connection's actions by ActionID)."""

from __future__ import annotations

import pytest
from twisted.internet.defer import CancelledError, Deferred
from twisted.internet.task import Clock

from xivo_cti.ami._errors import (
    AMIActionError,
    AMIActionTimeout,
    AMIConnectionLost,
    AMIListOverflow,
)
from xivo_cti.ami._message import Message
from xivo_cti.ami._pending import DEFAULT_LIST_CAP, Kind, ListCap, PendingAction, PendingActions


def pending(kind: Kind, cap: ListCap = DEFAULT_LIST_CAP) -> tuple[PendingAction, list]:
    results: list = []
    d: Deferred = Deferred()
    d.addBoth(results.append)
    return PendingAction("X", kind, d, cap), results


def test_single_finishes_on_response():
    """A single action finishes on its response and ignores its own events."""
    action, results = pending(Kind.SINGLE)
    assert action.take(Message.of(Event="Something")) is None
    assert action.take(Message.of(Response="Success")) is True
    assert results[0].response == "Success"


def test_list_collects_until_complete():
    """A list action keeps events until the ...Complete event."""
    action, results = pending(Kind.LIST)
    assert action.take(Message.of(Response="Success", EventList="start")) is False
    assert action.take(Message.of(Event="Item")) is False
    assert action.take(Message.of(Response="Success")) is None  # a second response
    assert action.take(Message.of(Event="ItemsComplete", EventList="Complete")) is True
    response, items = results[0]
    assert response.get("EventList") == "start" and [m.event for m in items] == ["Item"]


def test_originate_waits_for_originate_response():
    """Originate finishes on OriginateResponse; Failure errbacks."""
    action, results = pending(Kind.ORIGINATE)
    assert action.take(Message.of(Response="Success")) is False
    assert action.take(Message.of(Event="Newchannel")) is None
    assert action.take(Message.of(Event="OriginateResponse", Response="Failure")) is True
    assert results[0].check(AMIActionError)


ITEM = Message.from_text("Event: Item\nActionID: a.1\nData: " + "x" * 80)


@pytest.mark.parametrize(
    ("cap", "kept"),
    [(ListCap(items=3), 3), (ListCap(size=ITEM.size * 2 + 1), 2)],
    ids=["items", "bytes"],
)
def test_list_over_its_cap_fails_and_raises(cap, kept):
    """The item past the cap of items or bytes fails the action and raises the error."""
    action, results = pending(Kind.LIST, cap)
    action.take(Message.of(Response="Success", EventList="start"))
    for _ in range(kept):
        assert action.take(ITEM) is False
    assert results == []
    with pytest.raises(AMIListOverflow, match=r"X \(ActionID a\.1\): list reply over") as raised:
        action.take(ITEM)
    assert results[0].value is raised.value
    assert len(action.items) == kept


def test_list_at_its_cap_completes():
    """A list exactly at its cap completes normally."""
    action, results = pending(Kind.LIST, ListCap(items=2, size=ITEM.size * 2))
    action.take(Message.of(Response="Success", EventList="start"))
    assert action.take(ITEM) is False and action.take(ITEM) is False
    assert action.take(Message.of(Event="ItemComplete", EventList="Complete")) is True
    assert len(results[0][1]) == 2


def waiting(actions: PendingActions, kind: Kind, timeout: float = 5.0) -> tuple[str, list]:
    """Add an action to ``actions``; its ActionID and the list its result goes to."""
    action_id = actions.next_id()
    results: list = []
    actions.add(action_id, "X", kind, timeout).addBoth(results.append)
    return action_id, results


def test_table_answers_by_action_id_and_passes_the_rest():
    """A message answers only the action of its ActionID; one of an unknown ActionID or
    with none is not an answer; a finished action leaves the table and its timer."""
    clock = Clock()
    actions = PendingActions(clock)
    first, first_results = waiting(actions, Kind.SINGLE)
    second, second_results = waiting(actions, Kind.SINGLE)
    assert first != second and len(actions) == 2
    assert not actions.answer(Message.of(Event="Newchannel"))
    assert not actions.answer(Message.of(Response="Success", ActionID="other.1"))
    assert actions.answer(Message.of(Response="Success", ActionID=second))
    assert second_results[0].response == "Success" and first_results == []
    assert len(actions) == 1 and len(clock.getDelayedCalls()) == 1


def test_table_times_out_cancels_and_fails_all_on_loss():
    """An unanswered action times out; a cancelled one is forgotten with its timer; the
    rest fail with AMIConnectionLost when the connection is lost."""
    clock = Clock()
    actions = PendingActions(clock)
    _late, late = waiting(actions, Kind.SINGLE, timeout=1.0)
    _kept, kept = waiting(actions, Kind.LIST, timeout=60.0)
    cancelled_id = actions.next_id()
    cancelled = actions.add(cancelled_id, "X", Kind.SINGLE, 60.0)
    cancelled.addErrback(lambda f: f.trap(CancelledError))
    cancelled.cancel()
    assert len(actions) == 2
    clock.advance(1.0)
    assert late[0].check(AMIActionTimeout) and len(actions) == 1
    actions.connection_lost()
    assert kept[0].check(AMIConnectionLost) and len(actions) == 0
    assert not any(call.active() for call in clock.getDelayedCalls())
