"""The CTI server over TLS on a real socket (STARTTLS and implicit), and bad keys refused."""

from __future__ import annotations

import json
import socket
import ssl as stdlib_ssl
import warnings
from unittest.mock import ANY

import pytest
import pytest_twisted
from OpenSSL import crypto
from prometheus_client import CollectorRegistry
from twisted.internet import defer, protocol, ssl, threads
from twisted.internet.endpoints import SSL4ClientEndpoint, TCP4ClientEndpoint, connectProtocol

from tests.xivo_cti.conftest import FakeAMI, run_now, sample_users
from xivo.config import ConfigError
from xivo_cti.app import wire_cti
from xivo_cti.commands import LocalAsterisk
from xivo_cti.cti import CTIConfig, TLSConfig, make_cti_service, tls_options
from xivo_cti.metrics import CtidMetrics
from xivo_cti.state import LiveState
from xivo_cti.users import UserStore


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

    def connectionLost(self, reason=None) -> None:
        self.lines.put({"closed": True})

    def send(self, **message) -> None:
        self.transport.write(json.dumps(message).encode() + b"\n")


LOGIN_ID = {"class": "login_id", "commandid": 1, "userlogin": "alice", "company": "xivo",
            "ident": "test", "wazoversion": "2.3"}  # fmt: skip


def start_server(tls: TLSConfig | None):
    from twisted.internet import reactor

    config = CTIConfig(port=0, tls=tls or TLSConfig())
    users = UserStore(None, sample_users())
    parts = wire_cti(
        config, states={"xivo": LiveState(reactor)}, users=users,
        asterisks={"xivo": LocalAsterisk(FakeAMI())},
        clock=reactor, metrics=CtidMetrics(CollectorRegistry()), run_check=run_now,
    )  # fmt: skip
    svc = make_cti_service(parts.ctx, reactor)
    svc.startService()
    return svc, svc.port.getHost().port


@pytest_twisted.ensureDeferred
async def test_login_over_implicit_tls(tmp_path):
    """With cti.tls.mode implicit the server speaks TLS from the first byte."""
    from twisted.internet import reactor

    tls = self_signed(tmp_path)
    svc, port = start_server(TLSConfig(certificate=tls.certificate, key=tls.key, mode="implicit"))
    try:
        client_tls = ssl.CertificateOptions(verify=False)
        endpoint = SSL4ClientEndpoint(reactor, "127.0.0.1", port, client_tls)
        client = await connectProtocol(endpoint, LineClient())
        assert (await client.lines.get())["class"] == "starttls"  # offered, declined if asked
        client.send(**LOGIN_ID)
        reply = await client.lines.get()
        assert reply["class"] == "login_id" and reply["sessionid"]
        assert client.transport.getPeerCertificate() is not None
        client.transport.loseConnection()
    finally:
        await svc.stopService()


@pytest_twisted.ensureDeferred
async def test_starttls_as_the_desktop_client_does_it(tmp_path):
    """Plain TCP, the server's offer, status true, starttls true, the client's TLS
    handshake, then login_id and the repeated starttls (ignored) over TLS."""
    from twisted.internet import reactor

    svc, port = start_server(self_signed(tmp_path))
    try:
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        client = await connectProtocol(endpoint, LineClient())
        assert await client.lines.get() == {"class": "starttls", "timenow": ANY}
        client.send(**{"class": "starttls", "status": True, "commandid": 5})
        reply = await client.lines.get()
        assert reply["starttls"] is True
        client.transport.startTLS(ssl.CertificateOptions(verify=False))
        client.send(**LOGIN_ID)
        client.send(**{"class": "starttls", "status": True, "commandid": 6})
        client.send(**{"class": "keepalive", "commandid": 7})
        reply = await client.lines.get()
        assert reply["class"] == "login_id" and reply["sessionid"]
        assert client.transport.getPeerCertificate() is not None
        reply = await client.lines.get()
        assert reply["class"] == "keepalive" and reply["error_string"] == "login_required"
        client.transport.loseConnection()
    finally:
        await svc.stopService()


@pytest_twisted.ensureDeferred
async def test_starttls_declined_without_tls(tmp_path):
    """A server without TLS answers starttls false, and the login goes on in clear."""
    from twisted.internet import reactor

    svc, port = start_server(None)
    try:
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", port)
        client = await connectProtocol(endpoint, LineClient())
        assert (await client.lines.get())["class"] == "starttls"
        client.send(**{"class": "starttls", "status": True})
        assert (await client.lines.get())["starttls"] is False
        client.send(**LOGIN_ID)
        assert (await client.lines.get())["sessionid"]
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


def tls10_login(port: int) -> str:
    """STARTTLS then login_id as Wazo Client 18.01 does it on a current system: TLS 1.0
    only, the system OpenSSL at its default security level (blocking; run in a thread).
    Returns the login_id reply line, or the error that ended the attempt."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        lines = sock.makefile("rb")
        lines.readline()
        sock.sendall(b'{"class":"starttls","status":true}\n')
        assert json.loads(lines.readline())["starttls"] is True
        context = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, stdlib_ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = stdlib_ssl.TLSVersion.TLSv1
        context.set_ciphers("ECDHE-RSA-AES256-SHA:AES256-SHA:@SECLEVEL=1")
        try:
            tls = context.wrap_socket(sock)
        except stdlib_ssl.SSLError as e:
            return f"handshake failed: {e.reason}"
        tls.sendall(json.dumps(LOGIN_ID).encode() + b"\n")
        return tls.makefile("rb").readline().decode()


@pytest_twisted.ensureDeferred
async def test_tls10_client_only_with_minimum_version_10(tmp_path):
    """A TLS 1.0-only client fails the handshake by default (TLS 1.2 minimum) and logs in
    when cti.tls.minimum_version is "1.0" (with RSA key exchange: it refuses the MD5+SHA1
    signature an ECDHE exchange needs)."""
    tls = self_signed(tmp_path)
    svc, port = start_server(tls)
    try:
        assert (await threads.deferToThread(tls10_login, port)).startswith("handshake failed")
    finally:
        await svc.stopService()
    legacy = TLSConfig(certificate=tls.certificate, key=tls.key, minimum_version="1.0")
    svc, port = start_server(legacy)
    try:
        reply = json.loads(await threads.deferToThread(tls10_login, port))
        assert reply["class"] == "login_id" and reply["sessionid"]
    finally:
        await svc.stopService()
