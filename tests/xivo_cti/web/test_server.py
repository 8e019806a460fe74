"""The panel's listener service (``xivo_cti.web``)."""

from __future__ import annotations

import socket

import pytest
from twisted.internet import tcp

from testing.passes import ListeningReactor
from tests.xivo_cti.web.conftest import ASSETS, WebRig
from xivo.config import ConfigError
from xivo.paced_port import PacedServer
from xivo_cti.cti import TLSConfig
from xivo_cti.web import make_web_service
from xivo_cti.web._config import WebConfig


def test_plain_listener(web: WebRig) -> None:
    """Without tls, a TCP listener whose factory shares the CTI context but offers no
    STARTTLS, accepting under the CTI per-pass budget."""
    service = make_web_service(WebConfig(port=0), web.ctx, TLSConfig(), web.clock, ASSETS)
    assert isinstance(service, PacedServer)
    assert service.budget.items == web.ctx.config.writes_per_pass
    assert service.factory.ctx.broadcaster is web.ctx.broadcaster
    assert service.factory.ctx.tls is None


def test_tls_needs_the_cti_certificate(web: WebRig) -> None:
    """web.tls without cti.tls files is a configuration error naming both."""
    with pytest.raises(ConfigError, match=r"web\.tls: needs cti\.tls"):
        make_web_service(WebConfig(tls=True), web.ctx, TLSConfig(), web.clock, ASSETS)


def test_panel_connections_send_without_nagle_delay(web: WebRig) -> None:
    """An accepted panel connection has TCP_NODELAY on, as the CTI port's: a push must
    not wait for the browser to acknowledge the previous one."""
    reactor = ListeningReactor()
    service = make_web_service(WebConfig(port=0), web.ctx, TLSConfig(), reactor, ASSETS)
    service.startService()
    client = socket.create_connection(("127.0.0.1", service.port.getHost().port), timeout=1)
    try:
        service.port.doRead()
        reactor.advance(0)
        (accepted,) = [r for r in reactor.getReaders() if isinstance(r, tcp.Server)]
        option = accepted.getHandle().getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
        assert option != 0
    finally:
        client.close()
        service.stopService()
