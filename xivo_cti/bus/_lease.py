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

from xivo_cti.ami import RetryPolicy
from xivo_cti.bus._amqp import BusConnection, Subscription

__all__ = ["Lease", "lease_queue"]


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
