"""Test-wide fixtures: real services (PostgreSQL, slapd, Asterisk) live in tests/services/."""

pytest_plugins = [
    "tests.services.postgres",
    "tests.services.slapd",
    "tests.services.asterisk",
]
