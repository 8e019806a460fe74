"""Tests of xivo.config._build: sections built from mappings, errors naming the key."""

from dataclasses import dataclass, field
from typing import Literal

import pytest

from xivo.config import ConfigError, build, port_number, positive


@dataclass(frozen=True)
class Inner:
    """A nested section."""

    ttl: float = field(default=1.0, metadata={"check": positive})
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A section exercising every supported type."""

    port: int = field(default=1, metadata={"check": port_number})
    name: str = "x"
    flag: bool = False
    mode: Literal["a", "b"] = "a"
    maybe: int | None = None
    inner: Inner = field(default_factory=Inner)
    extra: dict = field(default_factory=dict)
    table: dict[str, int] = field(default_factory=dict)


def test_defaults_and_values():
    """Missing keys keep defaults; given ones are converted."""
    section = build(
        Section,
        {"port": 80, "name": 5038, "inner": {"ttl": 2, "names": ["a"]}, "table": {"k": 1}},
    )
    assert section.port == 80 and section.name == "5038" and section.flag is False
    assert section.inner == Inner(ttl=2.0, names=("a",))
    assert dict(section.table) == {"k": 1}
    assert build(Section, None) == Section()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"bogus": 1}, "bogus: unknown key"),
        ({"port": "x"}, "port: expected an integer"),
        ({"port": True}, "port: expected an integer"),
        ({"port": 70000}, "port: must be a port number"),
        ({"flag": "yes"}, "flag: expected true or false"),
        ({"mode": "c"}, "mode: expected one of"),
        ({"maybe": "x"}, "maybe: expected an integer"),
        ({"inner": {"ttl": 0}}, "inner.ttl: must be greater than 0"),
        ({"inner": {"names": "a"}}, "inner.names: expected a list"),
        ({"inner": {"names": [1.5, []]}}, "inner.names[1]: expected a string"),
        ({"inner": 3}, "inner: expected a mapping"),
        ({"extra": []}, "extra: expected a mapping"),
        ({"table": {"k": "v"}}, "table.k: expected an integer"),
    ],
)
def test_errors_name_the_key(data, message):
    """Every kind of wrong value raises ConfigError naming the key path."""
    with pytest.raises(ConfigError) as info:
        build(Section, data)
    assert message in str(info.value)


SENTINEL = "S3ntinel-pw"


@dataclass(frozen=True)
class WithSecret:
    """A section with a secret."""

    secret: str = field(default="", repr=False)


def test_secret_of_the_wrong_type_is_not_quoted():
    """A secret field given a wrong type is named, its value is not shown."""
    with pytest.raises(ConfigError) as info:
        build(WithSecret, {"secret": [SENTINEL]})
    assert str(info.value).startswith("secret: invalid value") and SENTINEL not in str(info.value)
