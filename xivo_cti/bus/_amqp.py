"""The reconnecting AMQP connection of a node to RabbitMQ (pika's Twisted adapter).

On every connection: one channel in confirm mode, the topic exchange declared (durable),
then each ``Subscription``'s queue declared, consumed and bound (its keys, and those
``route`` added or took away since); only then is the
connection ``connected`` and ``on_connected`` called.  Any failure drops the connection,
and a new one is dialled with capped back-off (no faster than every 30 s after the broker
closed the handshake, which is what a wrong user, password or virtual host gives).  A lost
connection calls ``on_lost``: what was in flight is not retried here.  Each subscription's
messages reach its handler through ``pump``: a few at a time, the socket not read while
too many wait.  The URL's password
appears in no log line and no error: texts pass through ``xivo.redact``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pika
from twisted.application.internet import ClientService
from twisted.application.service import Service
from twisted.internet.defer import Deferred, ensureDeferred, fail
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.redact import redact
from xivo_cti.ami import RetryPolicy
from xivo_cti.bus._broker import Broker
from xivo_cti.bus._pump import pump

if TYPE_CHECKING:  # pika's Twisted adapter imports the global reactor: see _adapter
    from xivo_cti.bus._adapter import AMQPProtocol

__all__ = ["BusConnection", "BusNotConnected", "BusPublishFailed", "Subscription"]


class BusNotConnected(Exception):
    """Nothing can be published: the connection to RabbitMQ is down."""


class BusPublishFailed(Exception):
    """RabbitMQ did not confirm a message (refused it, or the connection dropped first)."""


@dataclass(frozen=True)
class Subscription:
    """A queue consumed on every connection; ``handler(routing_key, body)`` per message.
    An empty ``queue`` is named by the broker and deleted with the connection."""

    queue: str
    routing_keys: tuple[str, ...]
    handler: Callable[[str, bytes], None]
    exclusive: bool = True
    arguments: Mapping[str, object] = field(default_factory=dict)


def _locked(failure: Failure) -> bool:
    closed = failure.check(pika.exceptions.ChannelClosedByBroker)
    return closed is not None and failure.value.reply_code == 405  # RESOURCE_LOCKED


class BusConnection(Service):
    """One AMQP connection to ``url``, kept up; ``publish`` waits for the broker's confirm."""

    _log = Logger()

    def __init__(
        self,
        reactor: Any,
        url: str,
        exchange: str,
        subscriptions: tuple[Subscription, ...] = (),
        *,
        on_connected: Callable[[], None] = lambda: None,
        on_lost: Callable[[], None] = lambda: None,
        connect_timeout: float = 5.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        # pika's own records (a standby's refused declarations: two a second) would reach
        # stderr unredacted and unlimited; this class logs what matters, masked.
        logging.getLogger("pika").setLevel(logging.CRITICAL)
        self.reactor = reactor
        self.exchange = exchange
        self._subscriptions = subscriptions
        self._on_connected = on_connected
        self._on_lost = on_lost
        broker = Broker.of(url)
        self._secrets = broker.secrets
        self.parameters = broker.parameters
        self.where = broker.where
        self._retry = retry or RetryPolicy()
        self._locked_logged = False
        endpoint = broker.endpoint(reactor, connect_timeout)
        factory = Factory.forProtocol(self._new_protocol)
        factory.noisy = False  # no "Starting factory" lines at every attempt
        self._client = ClientService(endpoint, factory, retryPolicy=self._retry, clock=reactor)
        self._channel: Any = None
        self._keys = [set(sub.routing_keys) for sub in subscriptions]
        self._queues = [""] * len(subscriptions)  # each one's name on this connection

    @property
    def connected(self) -> bool:
        """True from the end of a connection's set-up to its loss."""
        return self._channel is not None

    def startService(self) -> None:
        super().startService()
        self._client.startService()

    def stopService(self) -> Deferred[None]:
        super().stopService()
        return self._client.stopService()

    def publish(self, routing_key: str, body: bytes) -> Deferred[None]:
        """Publish ``body`` on the exchange; fires once RabbitMQ confirmed it, or fails with
        ``BusNotConnected`` or ``BusPublishFailed``."""
        if self._channel is None:
            return fail(BusNotConnected(f"not connected to RabbitMQ at {self.where}"))
        d = self._channel.basic_publish(self.exchange, routing_key, body)
        d.addCallbacks(lambda _: None, self._publish_failed)
        return d

    def route(self, sub: Subscription, key: str, bound: bool) -> None:
        """Bind ``key`` to ``sub``'s queue (``bound``) or unbind it, now and on every
        connection from now on."""
        n = next(n for n, other in enumerate(self._subscriptions) if other is sub)
        keys = self._keys[n]
        if (key in keys) == bound:
            return
        (keys.add if bound else keys.discard)(key)
        if self._channel is not None:
            change = self._channel.queue_bind if bound else self._channel.queue_unbind
            # it fails only with the channel, and then everything is set up again
            change(self._queues[n], self.exchange, key).addErrback(lambda _: None)

    def _publish_failed(self, failure: Failure) -> Failure:
        error = redact(f"{failure.type.__name__}: {failure.getErrorMessage()}", self._secrets)
        return Failure(BusPublishFailed(f"RabbitMQ did not confirm the message ({error})"))

    def _new_protocol(self) -> AMQPProtocol:
        from xivo_cti.bus._adapter import AMQPProtocol  # not at import time: see _adapter

        return AMQPProtocol(
            self.parameters, self.reactor, self._connection_made, self._connection_lost
        )

    def _connection_made(self, protocol: AMQPProtocol) -> None:
        d = ensureDeferred(self._set_up(protocol))
        d.addErrback(self._set_up_failed, protocol)

    async def _set_up(self, protocol: AMQPProtocol) -> None:
        await protocol.ready
        channel = await protocol.channel()
        await channel.confirm_delivery()
        await channel.exchange_declare(self.exchange, "topic", durable=True)
        for n, sub in enumerate(self._subscriptions):
            declared = await channel.queue_declare(
                sub.queue,
                exclusive=sub.exclusive,
                auto_delete=not sub.queue,
                arguments=dict(sub.arguments),
            )
            self._queues[n] = declared.method.queue
            queue, _tag = await channel.basic_consume(self._queues[n], auto_ack=True)
            ensureDeferred(pump(queue, sub.handler, protocol.transport, self.reactor))
        bound: list[set[str]] = [set() for _ in self._subscriptions]
        while bound != self._keys:  # until no key was routed or unrouted meanwhile
            for n in range(len(bound)):
                await self._bind(channel, n, bound[n])
        channel.on_closed.addCallback(lambda _: self._channel_closed(protocol, channel))
        self._channel = channel
        self._retry.reset()
        self._locked_logged = False
        self._log.info("Connected to RabbitMQ at {where}", where=self.where)
        self._on_connected()

    async def _bind(self, channel: Any, n: int, bound: set[str]) -> None:
        for key in sorted(self._keys[n] - bound):
            await channel.queue_bind(self._queues[n], self.exchange, key)
            bound.add(key)
        for key in sorted(bound - self._keys[n]):
            await channel.queue_unbind(self._queues[n], self.exchange, key)
            bound.discard(key)

    def _set_up_failed(self, failure: Failure, protocol: AMQPProtocol) -> None:
        if protocol.transport is not None:
            protocol.transport.abortConnection()
        if _locked(failure):  # an exclusive queue held by another connection: expected
            if not self._locked_logged:
                self._log.info("RabbitMQ at {where}: a queue is held by another connection;"
                               " trying again", where=self.where)  # fmt: skip
                self._locked_logged = True
            return
        refused = failure.check(pika.exceptions.AMQPConnectionError) is not None
        self._retry.login_failed(refused)
        if refused:
            error = "the broker closed the handshake: check the user, password and virtual host"
        else:
            error = redact(f"{failure.type.__name__}: {failure.getErrorMessage()}", self._secrets)
        self._log.error(
            "RabbitMQ connection to {where} failed: {error}", where=self.where, error=error
        )

    def _channel_closed(self, protocol: AMQPProtocol, channel: Any) -> None:
        if channel is self._channel and protocol.transport is not None:
            protocol.transport.abortConnection()  # reconnect and set everything up again

    def _connection_lost(self, protocol: AMQPProtocol, reason: Failure) -> None:
        if self._channel is None:
            return
        self._channel = None
        error = redact(reason.getErrorMessage(), self._secrets)
        self._log.warn(
            "RabbitMQ connection to {where} lost: {error}", where=self.where, error=error
        )
        self._on_lost()
