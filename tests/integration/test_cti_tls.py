"""The CTI server over TLS, on a real socket: handshake, login, and refusal of bad keys."""

from __future__ import annotations

import json

import pytest
import pytest_twisted
from OpenSSL import crypto
from twisted.internet import defer, protocol, ssl
from twisted.internet.endpoints import SSL4ClientEndpoint, connectProtocol

from tests.xivo_cti.cti.conftest import FakeAMI, sample_users
from xivo.config import ConfigError
from xivo_cti.cti.config import CTIConfig, TLSConfig
from xivo_cti.cti.server import make_cti_service, tls_options
from xivo_cti.state import LiveState
from xivo_cti.users.store import UserStore


def self_signed(tmp_path) -> TLSConfig:
    key = ssl.KeyPair.generate(size=2048)
    cert = key.selfSignedCert(1, CN="localhost")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.dump(crypto.FILETYPE_PEM))
    key_file.write_bytes(key.dump(crypto.FILETYPE_PEM))
    return TLSConfig(certificate=str(cert_file), key=str(key_file))


class LineClient(protocol.Protocol):
    def __init__(self) -> None:
        self.buffer = b""
        self.lines: defer.DeferredQueue = defer.DeferredQueue()

    def dataReceived(self, data: bytes) -> None:
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self.lines.put(json.loads(line))

    def send(self, **message) -> None:
        self.transport.write(json.dumps(message).encode() + b"\n")


@pytest_twisted.ensureDeferred
async def test_login_over_tls(tmp_path):
    """With a certificate and key configured the server speaks TLS and the login works."""
    from twisted.internet import reactor

    config = CTIConfig(port=0, tls=self_signed(tmp_path))
    users = UserStore(None, lambda fn, *a: defer.succeed(fn(*a)), sample_users())
    svc = make_cti_service(config, users=users, state=LiveState(reactor), ami=FakeAMI(),
                           reactor=reactor)  # fmt: skip
    svc.startService()
    try:
        port = svc.server._port.getHost().port
        client_tls = ssl.CertificateOptions(verify=False)
        endpoint = SSL4ClientEndpoint(reactor, "127.0.0.1", port, client_tls)
        client = await connectProtocol(endpoint, LineClient())
        client.send(**{"class": "login_id", "commandid": 1, "userlogin": "alice",
                       "company": "default", "ident": "test", "xivoversion": "2.3"})  # fmt: skip
        reply = await client.lines.get()
        assert reply["class"] == "login_id" and reply["sessionid"]
        assert client.transport.getPeerCertificate() is not None
        client.transport.loseConnection()
    finally:
        await svc.stopService()


def test_unreadable_key_is_a_config_error(tmp_path):
    """A missing key file stops start-up with an error naming cti.tls and the file."""
    tls = TLSConfig(certificate=str(tmp_path / "nope.pem"), key=str(tmp_path / "nope.key"))
    with pytest.raises(ConfigError, match="cti.tls: cannot read .*nope.pem"):
        tls_options(tls)


def test_garbage_certificate_is_a_config_error(tmp_path):
    """A file that is not PEM is refused with a clear message."""
    (tmp_path / "c.pem").write_text("not a certificate")
    (tmp_path / "k.pem").write_text("not a key")
    tls = TLSConfig(certificate=str(tmp_path / "c.pem"), key=str(tmp_path / "k.pem"))
    with pytest.raises(ConfigError, match="cti.tls: invalid certificate or key"):
        tls_options(tls)
