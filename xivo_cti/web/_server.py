"""The web operator panel's listener: the factory and the listening service."""

from __future__ import annotations

import dataclasses
from typing import Any

from twisted.application import internet
from twisted.application.service import Service
from twisted.internet.protocol import Factory, Protocol

from xivo.config import ConfigError
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
) -> Service:
    """The panel's listener on ``config.address:config.port`` (HTTPS with ``tls``, the
    ``cti.tls`` files, when ``config.tls``); ``service.factory`` is its factory."""
    factory = WebFactory(ctx, config, assets or Assets.load())
    if config.tls:
        if not tls.enabled:
            raise ConfigError("web.tls: needs cti.tls.certificate and cti.tls.key")
        server: Service = internet.SSLServer(
            config.port, factory, tls_options(tls), interface=config.address, reactor=reactor
        )
    else:
        server = internet.TCPServer(config.port, factory, interface=config.address, reactor=reactor)
    server.factory = factory
    return server
