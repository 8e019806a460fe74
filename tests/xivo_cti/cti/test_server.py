"""Tests of the CTI server factory (per-address connection limit) and its listening
service (paced accepts)."""

from __future__ import annotations

import json
import socket

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from testing.passes import ListeningReactor
from tests.xivo_cti.conftest import Rig
from xivo_cti.cti._config import CTIConfig
from xivo_cti.cti._protocol import CTIProtocol
from xivo_cti.cti._server import CTIServerFactory, make_cti_service


def test_over_the_limit_gets_an_error_line_then_close() -> None:
    """A connection over max_connections_per_address is told why, then closed."""
    rig = Rig(CTIConfig(max_connections_per_address=1))
    factory = CTIServerFactory(rig.ctx)
    addr = IPv4Address("TCP", "10.1.1.1", 4000)
    first = factory.buildProtocol(addr)
    assert isinstance(first, CTIProtocol)
    refused = factory.buildProtocol(addr)
    transport = StringTransport()
    refused.makeConnection(transport)
    (line,) = transport.value().splitlines()
    refusal = json.loads(line)
    # the desktop client shows it as "Max number (1) of clients already reached."
    assert refusal["class"] == "login_id" and refusal["error_string"] == "toomuchusers:1;1"
    assert transport.disconnecting
    assert rig.ctx.limits._connections["10.1.1.1"] == 1


def test_other_address_still_accepted() -> None:
    """The limit is per address: another address gets a CTI protocol."""
    rig = Rig(CTIConfig(max_connections_per_address=1))
    factory = CTIServerFactory(rig.ctx)
    factory.buildProtocol(IPv4Address("TCP", "10.1.1.1", 4000))
    proto = factory.buildProtocol(IPv4Address("TCP", "10.1.1.2", 4000))
    assert isinstance(proto, CTIProtocol)


def test_a_reconnect_storm_is_accepted_pass_by_pass() -> None:
    """The CTI port accepts ``writes_per_pass`` connections per reactor pass (each one's
    set-up and greeting runs in the pass that accepts it); the rest wait in the backlog."""
    rig = Rig(CTIConfig(port=0, address="127.0.0.1", writes_per_pass=3))
    service = make_cti_service(rig.ctx, ListeningReactor())
    service.startService()
    port = service.port.getHost().port
    clients = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(7)]
    try:
        accepted = []
        for _ in range(3):
            service.port.doRead()
            accepted.append(rig.registry.get_sample_value("xivo_ctid_cti_clients"))
        assert accepted == [3, 6, 7]
    finally:
        for client in clients:
            client.close()
        service.stopService()
