"""Tests of the CTI server factory: per-address connection limit."""

from __future__ import annotations

import json

from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from tests.xivo_cti.conftest import Rig
from xivo_cti.cti._config import CTIConfig
from xivo_cti.cti._protocol import CTIProtocol
from xivo_cti.cti._server import CTIServerFactory


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
