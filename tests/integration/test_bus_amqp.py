"""The bus's AMQP connection against the private RabbitMQ: confirmed publish and consume,
no password in any log or error (refused login, unreachable broker), and recovery after
the broker restarts."""

from __future__ import annotations

import logging

import pytest
import pytest_twisted
from twisted.logger import globalLogPublisher

from testing.services.postgres import free_port
from testing.waiting import eventually, sleep
from tests.logtext import log_text
from xivo_cti.bus import BusConnection, BusNotConnected, Subscription

SENTINEL = "S3ntinel-Pa55"


class Received:
    def __init__(self) -> None:
        self.messages: list[tuple[str, bytes]] = []

    def __call__(self, key: str, body: bytes) -> None:
        self.messages.append((key, body))


class LogCapture:
    """Twisted log events and pika's standard-library records while it is open."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self.events: list[dict] = []
        self._caplog = caplog

    def __enter__(self) -> LogCapture:
        self._caplog.set_level(logging.DEBUG, logger="pika")
        globalLogPublisher.addObserver(self.events.append)
        return self

    def __exit__(self, *exc: object) -> None:
        globalLogPublisher.removeObserver(self.events.append)

    @property
    def text(self) -> str:
        return log_text(self.events) + "\n" + self._caplog.text


def _bus(url: str, *subscriptions: Subscription, **kwargs) -> BusConnection:
    from twisted.internet import reactor

    return BusConnection(reactor, url, "xivo-test", subscriptions, **kwargs)


@pytest_twisted.ensureDeferred
async def test_publish_is_confirmed_and_consumed(rabbitmq_server):
    """A message published by one connection reaches another's bound queue, in order."""
    received = Received()
    consumer = _bus(rabbitmq_server.url, Subscription("", ("ipbx.a.#",), received))
    producer = _bus(rabbitmq_server.url)
    consumer.startService()
    producer.startService()
    try:
        await eventually(lambda: consumer.connected and producer.connected, what="connected")
        for n in range(20):
            await producer.publish("ipbx.a.change", b"%d" % n)
        await producer.publish("ipbx.b.change", b"not bound")
        await eventually(lambda: len(received.messages) >= 20, what="20 messages")
        await sleep(0.2)
        assert received.messages == [("ipbx.a.change", b"%d" % n) for n in range(20)]
    finally:
        await consumer.stopService()
        await producer.stopService()


@pytest_twisted.ensureDeferred
async def test_keys_routed_and_unrouted_while_connected_and_before(rabbitmq_server):
    """A key routed before the connection is bound when it is set up; one routed while
    connected is bound in a moment; unrouted, its messages stop coming."""
    received = Received()
    sub = Subscription("", (), received)
    consumer = _bus(rabbitmq_server.url, sub)
    producer = _bus(rabbitmq_server.url)
    consumer.route(sub, "ipbx.a.change", True)
    consumer.startService()
    producer.startService()
    try:
        await eventually(lambda: consumer.connected and producer.connected, what="connected")
        await producer.publish("ipbx.a.change", b"1")
        await producer.publish("ipbx.b.change", b"not yet")
        await eventually(lambda: received.messages, what="the first message")
        consumer.route(sub, "ipbx.b.change", True)
        consumer.route(sub, "ipbx.a.change", False)
        await sleep(0.2)
        await producer.publish("ipbx.a.change", b"not any more")
        await producer.publish("ipbx.b.change", b"2")
        await eventually(lambda: len(received.messages) >= 2, what="the second message")
        await sleep(0.2)
        assert received.messages == [("ipbx.a.change", b"1"), ("ipbx.b.change", b"2")]
    finally:
        await consumer.stopService()
        await producer.stopService()


@pytest_twisted.ensureDeferred
async def test_refused_login_never_shows_the_password(rabbitmq_server, caplog):
    """A wrong password is logged as a refused handshake, with no trace of it anywhere."""
    url = rabbitmq_server.url.replace(rabbitmq_server.password, SENTINEL)
    bus = _bus(url)
    with LogCapture(caplog) as logs:
        bus.startService()
        try:
            await eventually(lambda: "check the user, password" in logs.text, what="refusal")
            with pytest.raises(BusNotConnected) as info:
                await bus.publish("ipbx.a.change", b"x")
        finally:
            await bus.stopService()
    assert not bus.connected
    shown = logs.text + str(info.value)
    assert f"127.0.0.1:{rabbitmq_server.port}" in shown
    assert SENTINEL not in shown


@pytest_twisted.ensureDeferred
async def test_unreachable_broker_never_shows_the_password(caplog):
    """Nothing listening: connection errors are logged and retried, the password masked."""
    bus = _bus(f"amqp://xivo:{SENTINEL}@127.0.0.1:{free_port()}/%2F")
    with LogCapture(caplog) as logs:
        bus.startService()
        try:
            await sleep(1.0)
            with pytest.raises(BusNotConnected) as info:
                await bus.publish("ipbx.a.change", b"x")
        finally:
            await bus.stopService()
    shown = logs.text + str(info.value)
    assert "not connected to RabbitMQ" in shown
    assert SENTINEL not in shown


@pytest_twisted.ensureDeferred
async def test_reconnects_after_the_broker_restarts(rabbitmq_server):
    """Restarted broker: on_lost, then a new connection set up again (queue re-declared and
    bound), on_connected, and messages flow again."""
    from twisted.internet import threads

    events: list[str] = []
    received = Received()
    bus = _bus(
        rabbitmq_server.url,
        Subscription("", ("ipbx.r.#",), received),
        on_connected=lambda: events.append("up"),
        on_lost=lambda: events.append("down"),
    )
    bus.startService()
    try:
        await eventually(lambda: bus.connected, what="connected")
        await threads.deferToThread(rabbitmq_server.restart)
        await eventually(lambda: events[-1:] == ["up"] and "down" in events, timeout=30)
        await bus.publish("ipbx.r.change", b"after")
        await eventually(lambda: received.messages == [("ipbx.r.change", b"after")])
        assert events == ["up", "down", "up"]
    finally:
        await bus.stopService()
