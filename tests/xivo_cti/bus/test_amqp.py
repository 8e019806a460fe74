"""The bus connection's dialling on a memory reactor and a test clock: capped back-off after
failed connections, at least 30 s after a refused handshake, TLS for amqps, no publishing
while down.  (Against a real RabbitMQ: tests/integration/test_bus_amqp.py.)"""

from __future__ import annotations

from twisted.internet.error import ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from xivo_cti.bus import BusConnection, BusNotConnected


def _start(
    url: str = "amqp://xivo:pw@10.1.2.3:5673/%2F",
) -> tuple[MemoryReactorClock, BusConnection]:
    reactor = MemoryReactorClock()
    bus = BusConnection(reactor, url, "xivo")
    bus.startService()
    return reactor, bus


def _refuse(reactor: MemoryReactorClock, attempt: int) -> None:
    factory = reactor.tcpClients[attempt][2]
    factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))


def _attempts_after(reactor: MemoryReactorClock, seconds: float) -> int:
    reactor.advance(seconds)
    return len(reactor.tcpClients)


def test_dials_the_url_address_with_capped_back_off():
    """Refused connections are dialled again after 0.5, 1, 2... seconds (plus jitter), at
    most 10 s apart."""
    reactor, bus = _start()
    assert reactor.tcpClients[0][:2] == ("10.1.2.3", 5673)
    delays = []
    for attempt in range(8):
        _refuse(reactor, attempt)
        waited = 0.0
        while len(reactor.tcpClients) == attempt + 1:
            reactor.advance(0.05)
            waited += 0.05
        delays.append(waited)
    assert delays[0] < delays[2] < delays[4]
    assert max(delays) <= 10.0 + 1.0 + 0.1  # the cap, plus up to 1 s of jitter
    assert not bus.connected
    bus.stopService()


def test_refused_handshake_waits_30_seconds():
    """The broker closing the AMQP handshake (a wrong password) is retried after >= 30 s."""
    reactor, bus = _start()
    protocol = reactor.tcpClients[0][2].buildProtocol(None)
    transport = StringTransport()
    protocol.makeConnection(transport)
    assert transport.value().startswith(b"AMQP\x00\x00\x09\x01")  # the protocol header
    protocol.connectionLost(Failure(ConnectionRefusedError()))
    assert _attempts_after(reactor, 29.0) == 1
    assert _attempts_after(reactor, 2.0) == 2
    bus.stopService()


def test_amqps_dials_tls_on_5671():
    """amqps:// without a port: TLS to 5671."""
    reactor, bus = _start("amqps://xivo:pw@10.1.2.3/%2F")
    host, port, factory = reactor.tcpClients[0][:3]
    assert (host, port) == ("10.1.2.3", 5671)
    transport = StringTransport()
    factory.buildProtocol(None).makeConnection(transport)
    assert transport.value()[:2] == b"\x16\x03"  # a TLS handshake record, not "AMQP"
    bus.stopService()


def test_publish_while_down_fails_at_once_without_the_password():
    """No connection: publish fails with BusNotConnected naming the address only."""
    _reactor, bus = _start("amqp://xivo:S3ntinel@10.1.2.3:5673/%2F")
    failures = []
    bus.publish("ipbx.a.change", b"x").addErrback(failures.append)
    (failure,) = failures
    assert failure.check(BusNotConnected)
    assert "10.1.2.3:5673" in str(failure.value) and "S3ntinel" not in str(failure.value)
    bus.stopService()


def test_pika_records_are_silenced():
    """pika's own log records (unredacted, unlimited) stay below what reaches the logs."""
    import logging

    logging.getLogger("pika").setLevel(logging.DEBUG)
    _reactor, bus = _start()
    assert logging.getLogger("pika").getEffectiveLevel() == logging.CRITICAL
    bus.stopService()
