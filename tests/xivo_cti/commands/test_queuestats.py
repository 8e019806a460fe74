"""Tests of the queues panel's statistics (subscribetoqueuesstats, getqueuesstats)."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig
from xivo_cti.ami import Message
from xivo_cti.commands._queuestats import queue_stats
from xivo_cti.state import Queue, QueueCaller, QueueMember


def member(interface: str, status: int, paused: bool = False, in_call: bool = False):
    return QueueMember("q", interface, interface, interface, "dynamic", 0, 0, 0, in_call,
                       status, paused, "")  # fmt: skip


def test_figures_from_the_live_queue() -> None:
    """Waiting calls and longest wait, logged/available/talking members, counters."""
    callers = (QueueCaller("a", "c1", 1, "", "", 100.0), QueueCaller("b", "c2", 2, "", "", 130.0))
    queue = Queue("q", completed=5, abandoned=2, holdtime=12, callers=callers)
    members = [member("A", 1), member("B", 1, paused=True), member("C", 2), member("D", 5),
               member("E", 1, in_call=True)]  # fmt: skip
    assert queue_stats(queue, members, now=160.0) == {
        "Xivo-WaitingCalls": 2, "Xivo-LongestWaitTime": 60, "Xivo-LoggedAgents": 4,
        "Xivo-AvailableAgents": 2, "Xivo-TalkingAgents": 2, "Xivo-EWT": 12,
        "Xivo-Holdtime-avg": 12, "Xivo-Join": 9, "Xivo-Link": 5, "Xivo-Lost": 2,
    }  # fmt: skip
    assert queue_stats(Queue("q"), [], now=0.0)["Xivo-LongestWaitTime"] == 0


def ask(client, **body) -> dict:
    client.send(**{"commandid": 4, **body})
    return client.received()[-1]


def test_the_panel_gets_stats_of_known_queues(rig: Rig) -> None:
    """subscribe is answered; getqueuesstats answers the known queues it names."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support", Completed="3"))
    rig.feed.event(Message.of(Event="QueueMemberStatus", Queue="support",
                                      Interface="Agent/7", Status="1"))  # fmt: skip
    client = rig.logged_in("bob")
    assert ask(client, **{"class": "subscribetoqueuesstats"})["class"] == "subscribetoqueuesstats"
    on = {"support": {"window": "3600", "xqos": "60"}, "nope": {}}
    reply = ask(client, **{"class": "getqueuesstats", "on": on})
    assert list(reply["stats"]) == ["support"]
    assert reply["stats"]["support"]["Xivo-Link"] == 3
    assert reply["stats"]["support"]["Xivo-AvailableAgents"] == 1
    assert ask(client, **{"class": "getqueuesstats", "on": ["support"]})["error_string"] == (
        "invalid_queues"
    )
    carol = rig.logged_in("carol")
    assert ask(carol, **{"class": "getqueuesstats", "on": on})["stats"] == {}


def outcome(rig: Rig, event: str, holdtime: str, queue: str = "support") -> None:
    rig.feed.event(Message.of(Event=event, Queue=queue, HoldTime=holdtime,
                              Interface="Agent/7", Uniqueid="1.1"))  # fmt: skip


def test_window_figures_from_the_calls_that_left_the_queue(rig: Rig) -> None:
    """Maximum hold time, rate and QoS over the panel's window: of the calls answered or
    abandoned in its last ``window`` seconds, with its ``xqos`` threshold."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support"))
    client = rig.logged_in("alice")
    stats = ask(client, **{"class": "getqueuesstats", "on": {"support": {}}})["stats"]["support"]
    assert not {"Xivo-Holdtime-max", "Xivo-Rate", "Xivo-Qos"} & set(stats)
    outcome(rig, "AgentConnect", "300")
    rig.clock.advance(3000)
    outcome(rig, "AgentConnect", "10")
    outcome(rig, "AgentConnect", "70")
    outcome(rig, "QueueCallerAbandon", "500")
    outcome(rig, "AgentConnect", "999", queue="sales")
    rig.clock.advance(1000)
    on = {"support": {"window": "3600", "xqos": "60"}}
    stats = ask(client, **{"class": "getqueuesstats", "on": on})["stats"]["support"]
    assert (stats["Xivo-Holdtime-max"], stats["Xivo-Rate"], stats["Xivo-Qos"]) == (70, 67, 50)
    on = {"support": {"window": 7200, "xqos": 80}}
    stats = ask(client, **{"class": "getqueuesstats", "on": on})["stats"]["support"]
    assert (stats["Xivo-Holdtime-max"], stats["Xivo-Rate"], stats["Xivo-Qos"]) == (300, 75, 67)


def test_window_parameters_are_checked_whole(rig: Rig) -> None:
    """A window or threshold that is not a number of seconds refuses the whole request."""
    rig.feed.event(Message.of(Event="QueueParams", Queue="support"))
    client = rig.logged_in("alice")
    for params in ({"window": "-1"}, {"xqos": "6e1"}, {"window": True}, "3600"):
        on = {"support": {}, "other": params}
        reply = ask(client, **{"class": "getqueuesstats", "on": on})
        assert reply["error_string"] == "invalid_queues", params
