"""Handing a subscription's messages to its handler a few at a time.

pika's Twisted adapter puts each message it parses in a ``DeferredQueue``; awaited there,
every message of a read of the socket (hundreds when the node was busy) would be handled
in that one reactor event, holding up the node's timers (its AMI feed, its pushes) and
other sockets.  ``pump`` hands ``per_turn`` of them to the handler, then lets the reactor
have a turn; while more than ``max_waiting`` parsed messages wait, the socket is not read
(RabbitMQ then holds the rest), so memory stays bounded when the handler falls behind.
"""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import DeferredQueue
from twisted.internet.interfaces import IPushProducer, IReactorTime
from twisted.internet.task import deferLater
from twisted.logger import Logger

__all__ = ["MAX_WAITING", "MESSAGES_PER_TURN", "pump"]

MESSAGES_PER_TURN = 32
"""Messages handed to a handler in a row before the reactor has a turn."""

MAX_WAITING = 1024
"""Parsed messages waiting for their handler beyond which the socket is not read."""

log = Logger()


async def pump(
    queue: DeferredQueue,
    handler: Callable[[str, bytes], None],
    transport: IPushProducer,
    clock: IReactorTime,
    *,
    per_turn: int = MESSAGES_PER_TURN,
    max_waiting: int = MAX_WAITING,
) -> None:
    """Hand each message of ``queue`` (pika's ``ReceivedMessage``) to ``handler(routing_key,
    body)`` until the queue fails (its channel or connection closed)."""
    paused = False
    while True:
        for _ in range(per_turn):
            if paused and not queue.pending:
                transport.resumeProducing()
                paused = False
            try:
                message = await queue.get()
            except Exception:
                return
            try:
                handler(message.method.routing_key, message.body)
            except Exception:
                log.failure("Bus message handler failed on {key}", key=message.method.routing_key)
        if not paused and len(queue.pending) > max_waiting:
            transport.pauseProducing()
            paused = True
        await deferLater(clock, 0, lambda: None)
