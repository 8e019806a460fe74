"""The private RabbitMQ node: its own ports and credentials, durable data across a restart."""

import subprocess

import pika
import pytest

from testing.services.rabbitmq import RabbitMQNode

pytestmark = pytest.mark.usefixtures("rabbitmq_server")


def _blocking(node: RabbitMQNode) -> pika.BlockingConnection:
    return pika.BlockingConnection(pika.URLParameters(node.url))


def _listeners(port: int) -> list[str]:
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, check=True)
    return [line.split()[3] for line in out.stdout.decode().splitlines()]


def test_node_is_private(rabbitmq_server: RabbitMQNode) -> None:
    """The node answers on its own name and ports, on loopback only, with its own user."""
    status = rabbitmq_server.ctl("status")
    assert rabbitmq_server.node in status
    for port in (rabbitmq_server.port, rabbitmq_server.dist_port, rabbitmq_server.epmd_port):
        addresses = _listeners(port)
        assert addresses, f"nothing listens on {port}"
        assert all(a.startswith(("127.0.0.1:", "[::1]:")) for a in addresses), addresses
    assert rabbitmq_server.user in rabbitmq_server.ctl("list_users")
    bad = pika.URLParameters(rabbitmq_server.url.replace(rabbitmq_server.password, "wrong"))
    with pytest.raises(pika.exceptions.ProbableAuthenticationError):
        pika.BlockingConnection(bad)


def test_restart_keeps_durable_queues(rabbitmq_server: RabbitMQNode) -> None:
    """A persistent message in a durable queue survives restart(); connections do not."""
    connection = _blocking(rabbitmq_server)
    channel = connection.channel()
    channel.queue_declare("restart-test", durable=True)
    channel.basic_publish("", "restart-test", b"kept", pika.BasicProperties(delivery_mode=2))
    rabbitmq_server.restart()
    assert rabbitmq_server.running
    with pytest.raises(pika.exceptions.AMQPError):
        connection.process_data_events(time_limit=1)
        channel.queue_declare("restart-test", durable=True, passive=True)
    again = _blocking(rabbitmq_server)
    try:
        _method, _props, body = again.channel().basic_get("restart-test", auto_ack=True)
        assert body == b"kept"
    finally:
        again.close()
