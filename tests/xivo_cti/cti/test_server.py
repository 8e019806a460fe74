"""Tests of the CTI server factory: per-address connection limit."""

from __future__ import annotations

import json

from twisted.internet.address import IPv4Address
from twisted.internet.testing import MemoryReactorClock, StringTransport

from tests.xivo_cti.cti.conftest import Rig
from xivo_cti.cti.config import CTIConfig
from xivo_cti.cti.protocol import CTIProtocol
from xivo_cti.cti.server import CTIServerFactory, make_cti_service
from xivo_cti.users._checkpool import CheckPool


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


def test_service_listens_with_the_backlog_and_its_own_check_pool() -> None:
    """make_cti_service listens with cti.backlog (a reconnect storm's connections wait in
    it) and runs the password checks in a pool of cti.password_checks threads."""
    rig = Rig()
    config = CTIConfig(port=0, backlog=777, password_checks=3)
    svc = make_cti_service(config, users=rig.users, state=rig.state, ami=rig.ami,
                           reactor=MemoryReactorClock())  # fmt: skip
    assert svc.server.kwargs["backlog"] == 777
    (pool,) = [s for s in svc if isinstance(s, CheckPool)]
    assert pool.size == 3 and svc.ctx.logins.in_flight == 3
    children = list(svc)
    assert children.index(svc.ctx.logins) > children.index(pool)  # stopped first
