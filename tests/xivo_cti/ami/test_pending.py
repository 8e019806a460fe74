"""Tests for PendingAction: how one action is completed by the messages it receives."""

from __future__ import annotations

from twisted.internet.defer import Deferred

from xivo_cti.ami.errors import AMIActionError
from xivo_cti.ami.message import Message
from xivo_cti.ami.pending import Kind, PendingAction


def pending(kind: Kind) -> tuple[PendingAction, list]:
    results: list = []
    d: Deferred = Deferred()
    d.addBoth(results.append)
    return PendingAction("X", kind, d), results


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
