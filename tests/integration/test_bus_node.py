"""Two nodes on the private RabbitMQ: node A holds ipbx a (a fake AMI), node B follows it:
B's state becomes A's from a snapshot and the changes after it, B's commands on a run on
A's AMI, an ipbx nobody holds answers commands with a clear error at their deadline, and
after a broker restart under load B, and a node started late, have A's picture again; A
holds a only while it can publish, and B is back in step without waiting for a snapshot
request's retry; features go as changes, the whole list to a node that asks; a chat
reaches a colleague's sessions on the other node, and none on a node where that colleague
has none."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest_twisted
from twisted.application.service import Service

from testing.waiting import eventually, sleep
from tests.xivo_cti.conftest import FakeAMI, sample_users
from tests.xivo_cti.state.events import recorded
from xivo_cti._errors import CommandError
from xivo_cti.bus import BusConfig, BusNode
from xivo_cti.commands import LocalAsterisk
from xivo_cti.state import Channel, LiveState
from xivo_cti.users import UserStatusBook, UserStore

VIEWS = ("channels", "calls", "bridges", "devices", "hints", "queues", "queue_members", "agents")


class Node:
    """A BusNode with its live states and the changes its data path was given."""

    def __init__(self, url: str, owned: tuple[str, ...]) -> None:
        from twisted.internet import reactor

        self.states: dict[str, LiveState] = {ipbx: LiveState(reactor) for ipbx in owned}
        self.ami = FakeAMI()
        self.service = Service()
        self.told: list[str] = []
        self.node = BusNode(
            BusConfig(url=url, exchange="xivo-node-test"), reactor, self.states,
            {ipbx: (self.service, LocalAsterisk(self.ami)) for ipbx in owned},
            event=lambda message, ipbx: self.told.append(ipbx) or self.states[ipbx].apply(message),
            changed=lambda changes, ipbx: self.told.append(ipbx),
        )  # fmt: skip

    def same_as(self, other: Node, ipbx: str) -> bool:
        """The same picture of ``ipbx`` as ``other``'s (but for channels' creation times,
        the moment each node heard of them)."""
        mine, theirs = self.states.get(ipbx), other.states[ipbx]
        return mine is not None and all(
            _timeless(getattr(mine, view)) == _timeless(getattr(theirs, view)) for view in VIEWS
        )


def _timeless(view: Mapping[Any, Any]) -> dict[Any, Any]:
    return {k: replace(v, created=0.0) if isinstance(v, Channel) else v for k, v in view.items()}


@pytest_twisted.ensureDeferred
async def test_a_follower_mirrors_the_holder_and_commands_reach_it(rabbitmq_server):
    """B mirrors a (snapshot, then each change); B's Hangup on a runs on A's AMI; A's AMI
    service runs only while A holds a."""
    a, b = Node(rabbitmq_server.url, ("a",)), Node(rabbitmq_server.url, ())
    events = [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)]
    a.node.startService()
    b.node.startService()
    try:
        await eventually(lambda: "a" in a.node.held and a.service.running, what="A holds a")
        for message in events[:8]:
            a.states["a"].apply(message)
            a.node.event_of("a")(message)
        await eventually(lambda: b.same_as(a, "a") and a.states["a"].channels, timeout=15.0,
                         what="B mirrors a")  # fmt: skip
        for message in events[8:]:
            a.states["a"].apply(message)
            a.node.event_of("a")(message)
        await eventually(lambda: b.same_as(a, "a"), timeout=15.0, what="B follows a")
        reply = await b.node.asterisks["a"].send("Hangup", {"Channel": "Local/x-1;1"})
        assert reply.get("Response") == "Success"
        assert a.ami.actions == [("Hangup", {"Channel": "Local/x-1;1"})]
        assert set(b.told) == {"a"}
    finally:
        await a.node.stopService()
        await b.node.stopService()
    assert not a.service.running


@pytest_twisted.ensureDeferred
async def test_an_ipbx_nobody_holds_answers_commands_with_an_error(rabbitmq_server):
    """A stopped: B still knows a, and a command on it fails with ipbx_not_answering:a
    after its deadline instead of waiting for ever."""
    a, b = Node(rabbitmq_server.url, ("a",)), Node(rabbitmq_server.url, ())
    b.node.commands.timeout = 1.0
    a.node.startService()
    b.node.startService()
    try:
        await eventually(lambda: "a" in b.states, timeout=15.0, what="B knows a")
        await a.node.stopService()
        try:
            await b.node.asterisks["a"].send("Hangup", {"Channel": "Local/x-1;1"})
        except CommandError as e:
            assert e.error_string == "ipbx_not_answering:a"
        else:
            raise AssertionError("a command without a holder succeeded")
        assert a.ami.actions == []
    finally:
        await b.node.stopService()


@pytest_twisted.ensureDeferred
async def test_a_broker_restart_under_load_and_a_late_node_converge(rabbitmq_server):
    """RabbitMQ restarted while node A's ipbx changes 200 times a second: once the events
    stop, node B's picture of a is A's again; a node started afterwards gets it too."""
    from twisted.internet import reactor, task, threads

    a, b = Node(rabbitmq_server.url, ("a",)), Node(rabbitmq_server.url, ())
    events = iter(m for m in recorded("08_burst_300_calls.txt") if LiveState.handles(m.event))

    def tick() -> None:
        for message in itertools.islice(events, 4):
            a.states["a"].apply(message)
            a.node.event_of("a")(message)

    load = task.LoopingCall(tick)
    load.clock = reactor
    late = None
    a.node.startService()
    b.node.startService()
    try:
        await eventually(lambda: "a" in a.node.held, what="A holds a")
        load.start(0.02)
        await sleep(1.0)
        await threads.deferToThread(rabbitmq_server.restart)
        await eventually(lambda: "a" in a.node.held, timeout=30.0, what="A holds a again")
        await sleep(1.0)
        load.stop()
        for message in events:  # the rest at once
            a.states["a"].apply(message)
            a.node.event_of("a")(message)
        assert len(a.states["a"].channels) == 0 and a.states["a"].devices
        await eventually(lambda: b.same_as(a, "a"), timeout=20.0, what="B has A's picture")
        late = Node(rabbitmq_server.url, ())
        late.node.startService()
        await eventually(lambda: late.same_as(a, "a"), timeout=20.0, what="a late node has it")
    finally:
        if load.running:
            load.stop()
        for node in (a, b, late):
            if node is not None:
                await node.node.stopService()


@pytest_twisted.ensureDeferred
async def test_after_a_broker_restart_the_holder_holds_only_with_its_publish_path(
    rabbitmq_server,
):
    """RabbitMQ down for 8 s (A's publishing connection then redials seconds apart, its
    lease connection every 0.5-1.5 s), then up, while a changes 200 times a second: A never
    holds a while its publishing connection is down, and B has A's picture soon after,
    not at a snapshot request's retry (made 60 s here)."""
    from twisted.internet import reactor, task, threads

    a, b = Node(rabbitmq_server.url, ("a",)), Node(rabbitmq_server.url, ())
    b.node.followers.snapshot_timeout = 60.0
    events = itertools.cycle(
        [m for m in recorded("03_bridge_call.txt") if LiveState.handles(m.event)]
    )
    unpublished: list[float] = []

    def tick() -> None:
        if "a" in a.node.held and not a.node.connection.connected:
            unpublished.append(reactor.seconds())
        for message in itertools.islice(events, 4):
            a.states["a"].apply(message)
            a.node.event_of("a")(message)

    load = task.LoopingCall(tick)
    load.clock = reactor
    a.node.startService()
    b.node.startService()
    try:
        await eventually(lambda: "a" in a.node.held, what="A holds a")
        await eventually(lambda: b.same_as(a, "a"), timeout=15.0, what="B has A's picture")
        load.start(0.02)
        await threads.deferToThread(rabbitmq_server.stop)
        await sleep(8.0)
        await threads.deferToThread(rabbitmq_server.start)
        await eventually(lambda: "a" in a.node.held, timeout=30.0, what="A holds a again")
        await sleep(1.0)
        load.stop()
        await eventually(lambda: b.same_as(a, "a"), timeout=10.0, what="B has A's picture")
        assert unpublished == []
    finally:
        if load.running:
            load.stop()
        for node in (a, b):
            await node.node.stopService()


@pytest_twisted.ensureDeferred
async def test_a_chat_reaches_the_colleagues_node_only(rabbitmq_server):
    """Node A's sessions give bob a presence; node B relays a chat to bob: it is handed to
    A's sessions of bob, once, and B's relay reaches nobody for a user without a session."""
    a, b, c = (Node(rabbitmq_server.url, ()) for _ in range(3))
    users = UserStore(None, sample_users())  # type: ignore[arg-type]
    books = {node: UserStatusBook() for node in (a, b, c)}
    delivered: dict[Node, list[tuple[str, dict]]] = {node: [] for node in (a, b, c)}
    for node in (a, b, c):
        node.node.share_status(books[node], users, lambda user: "xivo", lambda _: None,
                               lambda *m, node=node: delivered[node].append(m))  # fmt: skip
        node.node.startService()
    message = {"class": "chitchat", "from": ["xivo", "1"], "to": ["xivo", "2"],
               "alias": "alice", "text": "&lt;b&gt;lunch?"}  # fmt: skip
    try:
        await eventually(lambda: all(n.node.connection.connected for n in (a, b, c)),
                         what="the nodes on the bus")  # fmt: skip
        assert b.node.shared.chat is not None and not b.node.shared.chat.reaches("bob")
        a.node.status_changed(books[a].session_opened("bob", "available"))
        await eventually(lambda: b.node.shared.chat.reaches("bob"), what="B sees bob on A")
        b.node.shared.chat.relay("bob", message)
        await eventually(lambda: delivered[a], what="the chat on A")
        await sleep(0.5)
        assert delivered == {a: [("bob", message)], b: [], c: []}
        assert not b.node.shared.chat.reaches("carol")
    finally:
        for node in (a, b, c):
            await node.node.stopService()


@pytest_twisted.ensureDeferred
async def test_features_go_as_changes_and_a_late_node_asks_for_the_whole_list(rabbitmq_server):
    """Holder A sets dave's DND before follower B exists; B, started afterwards, hears A's
    next reminder (no features), asks, and gets the whole list; A's next change reaches B
    alone, as a change, with no whole list in between."""
    a, b = Node(rabbitmq_server.url, ("b",)), Node(rabbitmq_server.url, ())
    users = UserStore(None, sample_users(ipbx_b=True))  # type: ignore[arg-type]
    books = {node: UserStatusBook() for node in (a, b)}
    for node in (a, b):
        node.node.share_status(books[node], users, lambda user: user.ipbx or "xivo",
                               lambda _: None, lambda *_: None)  # fmt: skip
    heard: list[tuple[str, bool]] = []
    received = b.node.shared.features.received  # type: ignore[union-attr]
    b.node.shared.features.received = lambda m: heard.append(  # type: ignore[union-attr,method-assign]
        (type(m).__name__, getattr(m, "whole", False))) or received(m)  # fmt: skip
    a.node.startService()
    try:
        await eventually(lambda: "b" in a.node.held, what="A holds b")
        a.node.status_changed(books[a].set_features("dave", {"enablednd": True}))
        b.node.startService()
        await eventually(lambda: books[b].features("dave")["enablednd"], timeout=15.0,
                         what="B has dave's DND")  # fmt: skip
        assert ("FeaturesRequest", False) in heard and ("Features", True) in heard
        heard.clear()
        a.node.status_changed(books[a].set_features("dave", {"enableunc": True,
                                                             "destunc": "1234"}))  # fmt: skip
        await eventually(lambda: books[b].features("dave")["destunc"] == "1234",
                         what="B has dave's forward")  # fmt: skip
        assert ("Features", True) not in heard
        assert not any(name == "FeaturesRequest" for name, _ in heard)
    finally:
        for node in (a, b):
            await node.node.stopService()
