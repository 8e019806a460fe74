"""The web operator panel's listener: the factory and the listening service."""

from __future__ import annotations

import dataclasses
from typing import Any

from twisted.internet.protocol import Factory, Protocol

from xivo.config import ConfigError
from xivo.paced_port import PacedServer
from xivo.passes import PassBudget
from xivo_cti.cti import CTIContext, TLSConfig, tls_options
from xivo_cti.web._assets import Assets
from xivo_cti.web._config import WebConfig
from xivo_cti.web._frames import LineFramer
from xivo_cti.web._protocol import WebProtocol

__all__ = ["WebFactory", "make_web_service"]


class WebFactory(Factory):
    """A ``WebProtocol`` per connection; the CTI context is the TCP port's, without its
    STARTTLS offer (a WebSocket's TLS is the listener's); one ``LineFramer`` for all."""

    def __init__(self, ctx: CTIContext, config: WebConfig, assets: Assets) -> None:
        self.ctx = dataclasses.replace(ctx, tls=None)
        self.config = config
        self.assets = assets
        self.framer = LineFramer()

    def buildProtocol(self, addr: Any) -> Protocol:
        """The protocol of one connection from ``addr``."""
        peer = getattr(addr, "host", str(addr))
        proto = WebProtocol(self.ctx, self.config, self.assets, peer, self.framer)
        proto.factory = self
        return proto


def make_web_service(
    config: WebConfig, ctx: CTIContext, tls: TLSConfig, reactor: Any, assets: Assets | None = None
) -> PacedServer:
    """The panel's listener on ``config.address:config.port`` (HTTPS with ``tls``, the
    ``cti.tls`` files, when ``config.tls``); ``service.factory`` is its factory.  Like the
    CTI port, it accepts connections under the CTI per-pass budget."""
    if config.tls and not tls.enabled:
        raise ConfigError("web.tls: needs cti.tls.certificate and cti.tls.key")
    budget = PassBudget(ctx.config.writes_per_pass, ctx.config.write_time_per_pass)
    return PacedServer(
        config.port, WebFactory(ctx, config, assets or Assets.load()), budget,
        interface=config.address, reactor=reactor,
        tls=tls_options(tls) if config.tls else None,
    )  # fmt: skip
