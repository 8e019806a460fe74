"""Test-wide fixtures: the real services of testing/services/ (PostgreSQL, slapd, Asterisk,
RabbitMQ)."""

import os

import pytest

pytest_plugins = [
    "testing.services.postgres",
    "testing.services.slapd",
    "testing.services.asterisk",
    "testing.services.rabbitmq",
]


@pytest.fixture(autouse=True, scope="session")
def _state_directory(tmp_path_factory):
    """xivo-ctid's default state directory is a temporary one (never /var/lib/xivo-ctid)."""
    path = tmp_path_factory.mktemp("state")
    saved = os.environ.get("STATE_DIRECTORY")
    os.environ["STATE_DIRECTORY"] = str(path)
    yield path
    if saved is None:
        os.environ.pop("STATE_DIRECTORY", None)
    else:
        os.environ["STATE_DIRECTORY"] = saved
