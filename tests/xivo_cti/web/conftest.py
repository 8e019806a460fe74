"""Fixtures for the panel's listener: a WebSocket client (wsproto) on a WebProtocol over a
StringTransport, sharing the CTI test rig's context."""

from __future__ import annotations

import json
from typing import Any

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.xivo_cti.conftest import PASSWORDS, Rig
from xivo_cti.web import WebFactory
from xivo_cti.web._assets import Asset, Assets
from xivo_cti.web._config import WebConfig
from xivo_cti.web._protocol import WebProtocol

ASSETS = Assets({"/": Asset(content_type="text/html; charset=utf-8", body=b"<p>panel</p>")})


class WebClient:
    """A browser-like WebSocket client talking CTI JSON to one ``WebProtocol``."""

    def __init__(self, rig: Rig, proto: WebProtocol, transport: StringTransport) -> None:
        self.rig = rig
        self.proto = proto
        self.transport = transport
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.events: list[Any] = []

    def upgrade(self, origin: str | None = "http://panel.test:9480") -> list[Any]:
        headers = [(b"origin", origin.encode())] if origin is not None else []
        self.proto.dataReceived(
            self.ws.send(Request(host="panel.test:9480", target="/cti", extra_headers=headers))
        )
        return self.read()

    def read(self) -> list[Any]:
        """wsproto events from what the server wrote since the last read."""
        self.rig.ctx.broadcaster.flush()
        data = self.transport.value()
        self.transport.clear()
        self.ws.receive_data(data)
        return list(self.ws.events())

    def send_raw(self, data: bytes) -> None:
        self.proto.dataReceived(data)

    def send(self, **message: Any) -> None:
        self.proto.dataReceived(self.ws.send(TextMessage(data=json.dumps(message))))

    def received(self) -> list[dict[str, Any]]:
        """CTI messages (one per text frame) since the last read."""
        return [json.loads(e.data) for e in self.read() if isinstance(e, TextMessage)]

    def login(self, login: str) -> dict[str, Any]:
        self.send(**{"class": "login_id", "userlogin": login, "wazoversion": "2.3"})
        self.send(**{"class": "login_pass", "password": PASSWORDS[login]})
        self.send(**{"class": "login_capas", "capaid": "1", "state": "available"})
        return [m for m in self.received() if m["class"] == "login_capas"][-1]


class WebRig(Rig):
    """The CTI rig plus the panel's factory over its context."""

    def __init__(self, config: WebConfig | None = None) -> None:
        super().__init__()
        self.factory = WebFactory(self.ctx, config or WebConfig(), ASSETS)

    def web(self, peer: str = "10.0.0.9") -> WebClient:
        proto = self.factory.buildProtocol(IPv4Address("TCP", peer, 40000))
        transport = StringTransport(peerAddress=IPv4Address("TCP", peer, 40000))
        proto.makeConnection(transport)
        return WebClient(self, proto, transport)

    def opened(self, peer: str = "10.0.0.9") -> WebClient:
        client = self.web(peer)
        events = client.upgrade()
        assert isinstance(events[0], AcceptConnection), events
        return client


@pytest.fixture
def web() -> WebRig:
    return WebRig()
