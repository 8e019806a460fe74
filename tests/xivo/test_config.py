"""Tests of the shared configuration builder."""

from dataclasses import dataclass, field
from typing import Literal

import pytest

from xivo.config import (
    ConfigError,
    build,
    libpq_dsn,
    load_yaml,
    not_negative,
    parse_yaml,
    port_number,
    positive,
)


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


def test_parse_yaml():
    """YAML text must be a mapping; empty text is an empty mapping; bad YAML is named."""
    assert parse_yaml("") == {}
    assert parse_yaml("a: 1") == {"a": 1}
    with pytest.raises(ConfigError, match="top level"):
        parse_yaml("- 1")
    with pytest.raises(ConfigError, match="f.yml: invalid YAML"):
        parse_yaml("a: [", "f.yml")


def test_load_yaml(tmp_path):
    """A file is read and parsed; a missing or non-UTF-8 file is a ConfigError."""
    path = tmp_path / "c.yml"
    path.write_text("a: 1\n")
    assert load_yaml(str(path)) == {"a": 1}
    with pytest.raises(ConfigError, match="cannot read"):
        load_yaml(str(tmp_path / "none.yml"))
    path.write_bytes(b"a: \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_yaml(str(path))


SENTINEL = "S3ntinel-pw"


@dataclass(frozen=True)
class WithSecret:
    """A section with a secret and a connection string."""

    secret: str = field(default="", repr=False)
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
        build(WithSecret, {"dsn": dsn})
    message = str(info.value)
    assert message.startswith("dsn: not a valid libpq connection string") and problem in message
    assert SENTINEL not in message


def test_good_and_empty_dsn_pass():
    """A DSN libpq parses, and an empty one (the feature off), are accepted."""
    good = f"postgresql://xivo:{SENTINEL}@localhost/xivo"
    assert build(WithSecret, {"dsn": good}).dsn == good
    assert build(WithSecret, {"dsn": ""}).dsn == ""


def test_secret_of_the_wrong_type_is_not_quoted():
    """A secret field given a wrong type is named, its value is not shown."""
    with pytest.raises(ConfigError) as info:
        build(WithSecret, {"secret": [SENTINEL]})
    assert str(info.value).startswith("secret: invalid value") and SENTINEL not in str(info.value)


def test_yaml_error_does_not_quote_the_line():
    """A YAML error says what and where, without PyYAML's quote of the (secret) line."""
    with pytest.raises(ConfigError) as info:
        parse_yaml(f'ami:\n  secret: "{SENTINEL}\n  x: 1\n', "f.yml")
    message = str(info.value)
    assert message.startswith("f.yml: invalid YAML") and "line 4" in message
    assert SENTINEL not in message


def test_not_negative():
    """not_negative accepts 0 and more, and names what it got otherwise."""
    not_negative(0)
    not_negative(2.5)
    with pytest.raises(ValueError, match="must be 0 or more, got -1"):
        not_negative(-1)
