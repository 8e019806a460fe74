"""What an AMQP URL says: where to dial (TCP, or TLS for ``amqps``), pika's connection
parameters (2 s heartbeats unless the URL sets its own), and the password to mask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pika
from twisted.internet.endpoints import wrapClientTLS
from twisted.internet.interfaces import IStreamClientEndpoint
from twisted.internet.ssl import optionsForClientTLS

from xivo_cti.ami import client_endpoint

__all__ = ["DEFAULT_HEARTBEAT", "Broker"]

DEFAULT_HEARTBEAT = 2
"""Seconds between AMQP heartbeats when the URL sets none: RabbitMQ closes the connection
of a frozen or cut-off peer about 5 s after its last sign of life (measured)."""


@dataclass(frozen=True)
class Broker:
    """The broker a URL names: ``where`` (``host:port``, for log lines), ``parameters``
    (pika's), ``secrets`` (the password as written and decoded: never to be shown)."""

    host: str
    port: int
    tls: bool
    parameters: pika.URLParameters
    secrets: tuple[str, ...]

    @classmethod
    def of(cls, url: str) -> Broker:
        """The broker ``url`` names."""
        parts = urlsplit(url)
        parameters = pika.URLParameters(url)
        if "heartbeat" not in parts.query:
            parameters.heartbeat = DEFAULT_HEARTBEAT
        tls = parts.scheme == "amqps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (5671 if tls else 5672),
            tls=tls,
            parameters=parameters,
            secrets=tuple(s for s in (parts.password, unquote(parts.password or "")) if s),
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def endpoint(self, reactor: Any, timeout: float) -> IStreamClientEndpoint:
        """Where to dial, TLS-wrapped for ``amqps``."""
        endpoint = client_endpoint(reactor, self.host, self.port, timeout)
        return wrapClientTLS(optionsForClientTLS(self.host), endpoint) if self.tls else endpoint
