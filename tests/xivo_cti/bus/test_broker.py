"""What an AMQP URL says: where to dial, pika's parameters, the password to mask."""

from __future__ import annotations

import pytest
from twisted.internet.endpoints import TCP4ClientEndpoint

from xivo_cti.bus._broker import Broker


@pytest.mark.parametrize("url", ["amqp://10.1.2.3", "amqp://xivo:pw@10.1.2.3/?heartbeat=9"])
def test_heartbeat(url):
    """2 s heartbeats unless the URL sets its own."""
    assert Broker.of(url).parameters.heartbeat == (9 if "heartbeat" in url else 2)


def test_where_and_the_secrets():
    """The default ports of amqp and amqps; the password as written and decoded; TLS
    around the endpoint of amqps (nothing dialled here)."""
    from twisted.internet import reactor

    plain = Broker.of("amqp://xivo:p%40ss@10.1.2.3/")
    assert (plain.where, plain.tls, plain.secrets) == ("10.1.2.3:5672", False, ("p%40ss", "p@ss"))
    assert isinstance(plain.endpoint(reactor, 5.0), TCP4ClientEndpoint)
    tls = Broker.of("amqps://broker.example:5999")
    assert (tls.where, tls.tls, tls.secrets) == ("broker.example:5999", True, ())
    assert Broker.of("amqps://broker.example").where == "broker.example:5671"
    assert not isinstance(tls.endpoint(reactor, 5.0), TCP4ClientEndpoint)
