"""The CTI server: factory, shared context, listening service (TCP or TLS).

Wiring (for the ctid plugin)::

    users = make_user_store(cfg.users_file, cfg.users_db, reactor)      # xivo_cti.users
    service = make_cti_service(cfg.cti, users=users, state=live_state, ami=ami_service,
                               reactor=reactor)
    service.setServiceParent(top)          # SIGHUP: users.reload() (a Deferred)
"""

from __future__ import annotations

from typing import Any

from twisted.application import internet, service
from twisted.internet import ssl
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import Logger

from xivo.config import ConfigError
from xivo_cti.cti.broadcaster import Broadcaster
from xivo_cti.cti.codec import encode
from xivo_cti.cti.config import CTIConfig, TLSConfig
from xivo_cti.cti.context import CTIContext
from xivo_cti.cti.limits import AddressLimits
from xivo_cti.cti.listview import ListView
from xivo_cti.cti.phones import LineChannels
from xivo_cti.cti.protocol import CTIProtocol
from xivo_cti.cti.pushes import StatePusher
from xivo_cti.cti.userstatus import UserStatusBook
from xivo_cti.users._checkpool import CheckPool, default_size
from xivo_cti.users._verifiers import VerifierCache
from xivo_cti.users.logins import LoginChecks
from xivo_cti.users.store import RunInThread, UserStore

__all__ = [
    "CTIServerFactory",
    "CTIService",
    "RefusedProtocol",
    "make_cti_context",
    "make_cti_service",
]


def make_cti_context(
    config: CTIConfig,
    *,
    users: UserStore,
    state: Any,
    ami: Any,
    clock: Any,
    run_check: RunInThread,
    tls: Any = None,
) -> CTIContext:
    """The shared context of every session (nothing subscribed yet); password checks go
    to ``run_check``; ``tls``: the TLS options STARTTLS upgrades to (None: the offer is
    declined)."""
    book = UserStatusBook()
    limits = AddressLimits(
        clock,
        max_connections=config.max_connections_per_address,
        max_failures=config.max_login_failures_per_address,
        failure_window=config.login_failure_window,
    )
    return CTIContext(
        config=config,
        users=users,
        state=state,
        ami=ami,
        clock=clock,
        broadcaster=Broadcaster(
            clock, config.push_interval, config.writes_per_pass, config.write_time_per_pass
        ),
        limits=limits,
        book=book,
        view=ListView(state, users, book, LineChannels()),
        logins=LoginChecks(
            users, limits, clock, run_check,
            cache=VerifierCache(config.login_cache_ttl, book.online),
            in_flight=config.password_checks or default_size(),
            queue_size=config.password_check_queue,
        ),
        tls=tls,
    )  # fmt: skip


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

    def __init__(self, clock: Any, limit: int) -> None:
        self.clock = clock
        self.limit = limit

    def connectionMade(self) -> None:
        """Tell the client why, and hang up."""
        error = {"class": "login_id", "error_string": f"toomuchusers:{self.limit};{self.limit}"}
        self.transport.write(encode({**error, "timenow": self.clock.seconds()}))
        self.transport.loseConnection()


class CTIService(service.MultiService):
    """Subscribes the pushes to the live state and users while running; owns the port."""

    def __init__(self, ctx: CTIContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.pusher = StatePusher(ctx.view, ctx.broadcaster, ctx.config.ipbxid)
        self._unsubscribe: Any = None

    def startService(self) -> None:
        """Follow state, presence and user-table changes, then listen."""
        self.ctx.book.listener = self.pusher.on_user
        self.ctx.users.on_change(self.pusher.users_changed)
        self.ctx.view.lines.rebuild(self.ctx.state.channels)
        self._unsubscribe = self.ctx.state.subscribe(self.pusher.on_change)
        super().startService()

    def stopService(self) -> Any:
        """Stop listening and unsubscribe."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        return super().stopService()


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


def make_cti_service(
    config: CTIConfig, *, users: UserStore, state: Any, ami: Any, reactor: Any
) -> CTIService:
    """The CTI service listening on ``config.address:config.port``: with TLS configured,
    STARTTLS (``cti.tls.mode`` starttls) or TLS from the first byte (implicit).

    ``state`` is the ``LiveState``, ``ami`` the ``AMIClientService``; the factory is
    ``service.factory`` and the listening server ``service.server``.
    """
    options = tls_options(config.tls) if config.tls.enabled else None
    starttls = options if config.tls.mode == "starttls" else None
    pool = CheckPool(reactor, config.password_checks or default_size())
    ctx = make_cti_context(
        config, users=users, state=state, ami=ami, clock=reactor, run_check=pool.run,
        tls=starttls,
    )  # fmt: skip
    svc = CTIService(ctx)
    pool.setServiceParent(svc)
    ctx.logins.setServiceParent(svc)  # stopped before the pool: queued checks refused first
    svc.factory = CTIServerFactory(ctx)
    if options is not None and starttls is None:
        server = internet.SSLServer(
            config.port, svc.factory, options, backlog=config.backlog,
            interface=config.address, reactor=reactor,
        )  # fmt: skip
    else:
        server = internet.TCPServer(
            config.port, svc.factory, backlog=config.backlog, interface=config.address,
            reactor=reactor,
        )  # fmt: skip
    server.setServiceParent(svc)
    svc.server = server
    return svc
