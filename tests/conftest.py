"""Test-wide fixtures: the real services of testing/services/ (PostgreSQL, slapd, Asterisk,
RabbitMQ)."""

pytest_plugins = [
    "testing.services.postgres",
    "testing.services.slapd",
    "testing.services.asterisk",
    "testing.services.rabbitmq",
]
