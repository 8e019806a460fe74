"""Tests of xivo.config._checks: the field checks, as ``build`` runs them."""

from dataclasses import dataclass, field

import pytest

from xivo.config import ConfigError, build, libpq_dsn, not_negative, port_number, positive

SENTINEL = "S3ntinel-pw"


@dataclass(frozen=True)
class WithDSN:
    """A section with a (secret) connection string."""

    dsn: str = field(default="", repr=False, metadata={"check": libpq_dsn})


@pytest.mark.parametrize(
    ("dsn", "problem"),
    [
        (f"postgresql://xivo:{SENTINEL}@[::1/xivo", 'matching "]"'),
        (f"dbname=xivo password={SENTINEL} host", 'missing "="'),
        (f"host=db password='{SENTINEL}", "unterminated quoted string"),
    ],
)
def test_malformed_dsn_is_refused_without_its_password(dsn, problem):
    """A DSN libpq cannot parse is refused, naming the key and libpq's reason, not the password."""
    with pytest.raises(ConfigError) as info:
        build(WithDSN, {"dsn": dsn})
    message = str(info.value)
    assert message.startswith("dsn: not a valid libpq connection string") and problem in message
    assert SENTINEL not in message


def test_good_and_empty_dsn_pass():
    """A DSN libpq parses, and an empty one (the feature off), are accepted."""
    good = f"postgresql://xivo:{SENTINEL}@localhost/xivo"
    assert build(WithDSN, {"dsn": good}).dsn == good
    assert build(WithDSN, {"dsn": ""}).dsn == ""


def test_not_negative():
    """not_negative accepts 0 and more, and names what it got otherwise."""
    not_negative(0)
    not_negative(2.5)
    with pytest.raises(ValueError, match="must be 0 or more, got -1"):
        not_negative(-1)


def test_positive_and_port_number_bounds():
    """positive refuses 0, port_number accepts 0 to 65535; each names what it got."""
    positive(0.001)
    with pytest.raises(ValueError, match="must be greater than 0, got 0"):
        positive(0)
    port_number(0)
    port_number(65535)
    with pytest.raises(ValueError, match="from 0 to 65535, got -1"):
        port_number(-1)
