"""The CTI server: a factory of ``CTIProtocol``s and its listening service (TCP or TLS).

The context the sessions share is built by ``xivo_cti.app.wire_cti``.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import ssl
from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import Logger

from xivo.config import ConfigError
from xivo.paced_port import PacedServer
from xivo.passes import PassBudget
from xivo_cti.cti._codec import encode
from xivo_cti.cti._config import TLSConfig
from xivo_cti.cti._context import CTIContext
from xivo_cti.cti._protocol import CTIProtocol

__all__ = ["CTIServerFactory", "RefusedProtocol", "make_cti_service"]


class CTIServerFactory(Factory):
    """Builds a ``CTIProtocol`` per connection, refusing addresses over their limit."""

    log = Logger()

    def __init__(self, ctx: CTIContext) -> None:
        self.ctx = ctx

    def buildProtocol(self, addr: Any) -> Protocol:
        """A protocol for ``addr``; over the per-address limit, one that says so and closes."""
        peer = getattr(addr, "host", str(addr))
        if not self.ctx.limits.connection_opened(peer):
            self.log.warn("CTI connection from {peer} refused: too many connections", peer=peer)
            return RefusedProtocol(self.ctx.clock, self.ctx.limits.max_connections)
        proto = CTIProtocol(self.ctx, peer)
        proto.factory = self
        return proto


class RefusedProtocol(Protocol):
    """Sends one error line, then closes: ``toomuchusers:<limit>;<limit>`` as a login_id
    answer, which the desktop client shows as "Max number (<limit>) of clients already
    reached." (it reads a login_id error even while waiting for STARTTLS)."""

    def __init__(self, clock: IReactorTime, limit: int) -> None:
        self.clock = clock
        self.limit = limit

    def connectionMade(self) -> None:
        """Tell the client why, and hang up."""
        error = {"class": "login_id", "error_string": f"toomuchusers:{self.limit};{self.limit}"}
        self.transport.write(encode({**error, "timenow": self.clock.seconds()}))
        self.transport.loseConnection()


_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1_0,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
# Below TLS 1.2 OpenSSL 3 needs security level 0.  A TLS 1.0 client on OpenSSL 3 at its
# default level (Wazo Client 18.01 on current systems) refuses the MD5+SHA1 signature of an
# ECDHE key exchange: it gets RSA key exchange; every other client an ECDHE AEAD suite.
_LEGACY_CIPHERS = b"ECDHE+AESGCM:ECDHE+CHACHA20:kRSA+AES:!aNULL:@SECLEVEL=0"


def tls_options(tls: TLSConfig) -> ssl.CertificateOptions:
    """Server TLS options (``tls.minimum_version`` or later) from PEM files; read at
    start-up."""
    try:
        with open(tls.certificate, "rb") as f:
            cert_pem = f.read()
        with open(tls.key, "rb") as f:
            key_pem = f.read()
        cert = ssl.PrivateCertificate.loadPEM(cert_pem + b"\n" + key_pem)
    except OSError as e:
        raise ConfigError(f"cti.tls: cannot read {e.filename}: {e.strerror}") from None
    except Exception as e:
        raise ConfigError(f"cti.tls: invalid certificate or key: {e}") from None
    version = _VERSIONS[tls.minimum_version]
    legacy = version < ssl.TLSVersion.TLSv1_2
    options = ssl.CertificateOptions(
        privateKey=cert.privateKey.original,
        certificate=cert.original,
        **{"insecurelyLowerMinimumTo" if legacy else "raiseMinimumTo": version},
    )
    if legacy:
        options.getContext().set_cipher_list(_LEGACY_CIPHERS)
    return options


def make_cti_service(ctx: CTIContext, reactor: Any) -> PacedServer:
    """The CTI service listening on ``ctx.config``'s address and port: with TLS configured,
    STARTTLS (``cti.tls.mode`` starttls: ``ctx.tls``) or TLS from the first byte
    (implicit); its factory is ``service.factory``.  Connections are accepted under the
    per-pass budget (``writes_per_pass``, ``write_time_per_pass``): a reconnect storm is
    taken in pass by pass."""
    config = ctx.config
    implicit = config.tls.enabled and config.tls.mode != "starttls"
    return PacedServer(
        config.port, CTIServerFactory(ctx),
        PassBudget(config.writes_per_pass, config.write_time_per_pass),
        backlog=config.backlog, interface=config.address, reactor=reactor,
        tls=tls_options(config.tls) if implicit else None,
    )  # fmt: skip
