"""Tests for PendingAction: how one action is completed by the messages it receives."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred

from xivo_cti.ami._errors import AMIActionError, AMIListOverflow
from xivo_cti.ami._message import Message
from xivo_cti.ami._pending import DEFAULT_LIST_CAP, Kind, ListCap, PendingAction


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
