"""Holding one ipbx: a RabbitMQ exclusive queue declared on a connection of its own.

The connection that declares ``EXCHANGE.lease.ID`` holds the lease while it lives; the
others are refused (``RESOURCE_LOCKED``) and try again every 0.5 to 1.5 s, so a standby
takes over soon after RabbitMQ deletes the queue of a dead holder.  The queue is bound to
the ipbx's snapshot requests and commands: they reach the holder only.  Design and
timings: docs/bus.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.logger import Logger

from xivo_cti.ami import RetryPolicy
from xivo_cti.bus._amqp import BusConnection, Subscription
from xivo_cti.bus._commands import CommandServer
from xivo_cti.bus._messages import BusMessageError, CommandRequest, SnapshotRequest, decode
from xivo_cti.bus._publisher import ChangePublisher

__all__ = ["Lease", "lease_handler", "lease_queue"]

log = Logger()


def lease_queue(exchange: str, ipbx: str) -> str:
    """The name of the exclusive queue whose holder owns ``ipbx``."""
    return f"{exchange}.lease.{ipbx}"


class Lease(Service):
    """Try to hold ``ipbx`` until stopped; ``on_taken()`` when held, ``on_lost()`` when not
    any more; ``handler(routing_key, body)`` gets the snapshot requests and commands."""

    def __init__(
        self,
        reactor: Any,
        url: str,
        exchange: str,
        ipbx: str,
        handler: Callable[[str, bytes], None],
        *,
        on_taken: Callable[[], None],
        on_lost: Callable[[], None],
    ) -> None:
        keys = (f"ipbx.{ipbx}.snapshot", f"ipbx.{ipbx}.command")
        queue = Subscription(lease_queue(exchange, ipbx), keys, handler, exclusive=True)
        self._connection = BusConnection(
            reactor,
            url,
            exchange,
            (queue,),
            on_connected=on_taken,
            on_lost=on_lost,
            retry=RetryPolicy(initial_delay=0.5, max_delay=0.5),
        )

    @property
    def held(self) -> bool:
        """Whether this node holds the ipbx now."""
        return self._connection.connected

    def startService(self) -> None:
        super().startService()
        self._connection.startService()

    def stopService(self) -> Deferred[None]:
        super().stopService()
        return self._connection.stopService()


def lease_handler(
    ipbx: str, publisher: ChangePublisher, server: CommandServer
) -> Callable[[str, bytes], None]:
    """The lease queue's handler: snapshot requests and commands of ``ipbx``."""

    def handle(routing_key: str, body: bytes) -> None:
        try:
            message = decode(body)
        except BusMessageError as e:
            log.warn("bus: a message on {key} dropped: {error}", key=routing_key, error=e)
            return
        if isinstance(message, SnapshotRequest) and message.ipbx == ipbx:
            publisher.snapshot_requested(message)
        elif isinstance(message, CommandRequest) and message.ipbx == ipbx:
            server.requested(message)

    return handle
