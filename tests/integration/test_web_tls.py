"""The panel's listener over TLS on a real socket: the page over HTTPS and a CTI login over
WSS, with the certificate settings of ``cti.tls``."""

from __future__ import annotations

import json

import pytest_twisted
from prometheus_client import CollectorRegistry
from twisted.internet import defer, protocol, ssl
from twisted.internet.endpoints import SSL4ClientEndpoint, connectProtocol
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.integration.test_cti_tls import self_signed
from tests.xivo_cti.conftest import FakeAMI, run_now, sample_users
from xivo_cti.app import wire_cti
from xivo_cti.commands import LocalAsterisk
from xivo_cti.cti import CTIConfig
from xivo_cti.metrics import CtidMetrics
from xivo_cti.state import LiveState
from xivo_cti.users import UserStore
from xivo_cti.web import WebConfig, make_web_service


class Bytes(protocol.Protocol):
    """Collects what the server sends."""

    def __init__(self) -> None:
        self.data = defer.DeferredQueue()

    def dataReceived(self, data: bytes) -> None:
        self.data.put(data)


async def connect(port: int) -> Bytes:
    from twisted.internet import reactor

    endpoint = SSL4ClientEndpoint(reactor, "127.0.0.1", port, ssl.CertificateOptions(verify=False))
    return await connectProtocol(endpoint, Bytes())


@pytest_twisted.ensureDeferred
async def test_https_page_and_wss_login(tmp_path):
    """web.tls serves the page over HTTPS and the CTI protocol over WSS, origin https."""
    from twisted.internet import reactor

    tls = self_signed(tmp_path)
    users = UserStore(None, sample_users())
    parts = wire_cti(
        CTIConfig(tls=tls), states={"xivo": LiveState(reactor)}, users=users,
        asterisks={"xivo": LocalAsterisk(FakeAMI())}, clock=reactor,
        metrics=CtidMetrics(CollectorRegistry()), run_check=run_now,
    )  # fmt: skip
    web = make_web_service(WebConfig(port=0, tls=True), parts.ctx, tls, reactor)
    web.startService()
    try:
        port = web.port.getHost().port
        page = await connect(port)
        page.transport.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert (await page.data.get()).startswith(b"HTTP/1.1 200 OK\r\n")
        page.transport.loseConnection()

        client = await connect(port)
        ws = WSConnection(ConnectionType.CLIENT)
        origin = [(b"origin", f"https://127.0.0.1:{port}".encode())]
        client.transport.write(
            ws.send(Request(host=f"127.0.0.1:{port}", target="/cti", extra_headers=origin))
        )
        login = {"class": "login_id", "userlogin": "alice", "wazoversion": "2.3"}
        messages: list[dict] = []
        while not any(m.get("class") == "login_id" for m in messages):
            ws.receive_data(await client.data.get())
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    client.transport.write(ws.send(TextMessage(data=json.dumps(login))))
                elif isinstance(event, TextMessage):
                    messages.append(json.loads(event.data))
        assert messages[0]["class"] == "starttls"
        assert messages[-1]["class"] == "login_id" and messages[-1]["sessionid"]
        assert client.transport.getPeerCertificate() is not None
        client.transport.loseConnection()
    finally:
        await web.stopService()
