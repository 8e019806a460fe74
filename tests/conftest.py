"""Test-wide fixtures: real services (PostgreSQL, slapd, Asterisk) live in testing/services/."""

pytest_plugins = [
    "testing.services.postgres",
    "testing.services.slapd",
    "testing.services.asterisk",
]
