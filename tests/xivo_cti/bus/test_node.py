"""A node's own queue: its own changes and heartbeats come back to it, and are dropped
before they are decoded; the other ipbx's are read."""

from __future__ import annotations

from twisted.application.service import Service
from twisted.internet.testing import MemoryReactorClock
from twisted.logger import globalLogPublisher

from xivo_cti.bus import BusConfig, BusNode, Changes, encode
from xivo_cti.bus._node import ipbx_of_key
from xivo_cti.commands import LocalAsterisk
from xivo_cti.state import LiveState


def test_the_ipbx_of_a_routing_key() -> None:
    assert ipbx_of_key("ipbx.paris.change") == "paris"
    assert ipbx_of_key("ipbx.paris.heartbeat") == "paris"
    assert ipbx_of_key("ipbx.paris.snapshot") is None
    assert ipbx_of_key("node.paris.change") is None
    assert ipbx_of_key("presence.n1") is None


def test_a_held_ipbx_own_messages_are_not_decoded_the_others_are() -> None:
    reactor = MemoryReactorClock()
    states = {"paris": LiveState(reactor)}
    events: list[tuple[object, str]] = []
    node = BusNode(
        BusConfig(url="amqp://u:p@127.0.0.1:5672/%2F"), reactor, states,
        {"paris": (Service(), LocalAsterisk(None))},  # type: ignore[arg-type]
        event=lambda message, ipbx: events.append((message, ipbx)),
        changed=lambda changes, ipbx: None,
    )  # fmt: skip
    node.held.add("paris")
    logged: list[dict] = []
    globalLogPublisher.addObserver(logged.append)
    try:
        node._received("ipbx.paris.change", b"not json")
        node._received("ipbx.paris.heartbeat", b"not json")
        change = Changes(ipbx="paris", epoch="e", first_seq=1, events=[[["Event", "Hangup"]]])
        node._received("ipbx.paris.change", encode(change))
        assert logged == [] and events == []
        node._received("ipbx.lyon.change", b"not json")
    finally:
        globalLogPublisher.removeObserver(logged.append)
    assert ["dropped" in e["log_format"] for e in logged] == [True]
    assert logged[0]["key"] == "ipbx.lyon.change"


def test_the_leases_are_tried_only_once_the_node_can_publish() -> None:
    """Started, the node dials RabbitMQ once (its own connection); no lease connection
    until that one is set up, so the node never holds an ipbx it cannot publish."""
    reactor = MemoryReactorClock()
    states = {"paris": LiveState(reactor), "lyon": LiveState(reactor)}
    node = BusNode(
        BusConfig(url="amqp://u:p@127.0.0.1:5672/%2F"), reactor, states,
        {ipbx: (Service(), LocalAsterisk(None)) for ipbx in states},  # type: ignore[arg-type]
        event=lambda message, ipbx: None, changed=lambda changes, ipbx: None,
    )  # fmt: skip
    node.startService()
    reactor.advance(5.0)
    assert len(reactor.tcpClients) == 1 and node.held == set()
    node.stopService()
