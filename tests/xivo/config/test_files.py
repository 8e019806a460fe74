"""Tests of xivo.config._files: reading and parsing configuration files."""

from dataclasses import dataclass

import pytest

from xivo.config import ConfigError, build, load_config_file, load_yaml, parse_yaml

SENTINEL = "S3ntinel-pw"


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


def test_yaml_error_does_not_quote_the_line():
    """A YAML error says what and where, without PyYAML's quote of the (secret) line."""
    with pytest.raises(ConfigError) as info:
        parse_yaml(f'ami:\n  secret: "{SENTINEL}\n  x: 1\n', "f.yml")
    message = str(info.value)
    assert message.startswith("f.yml: invalid YAML") and "line 4" in message
    assert SENTINEL not in message


@dataclass(frozen=True)
class Small:
    """A one-key section."""

    port: int = 1


def test_load_config_file_names_the_file(tmp_path):
    """A file is built into its section; its errors start with the file's path; no path
    gives the default."""
    path = tmp_path / "c.yml"
    path.write_text("port: 2\n")

    def load(p):
        return load_config_file(p, lambda data: build(Small, data), lambda: Small(9))

    assert load(str(path)) == Small(2)
    assert load(None) == Small(9)
    path.write_text("prot: 2\n")
    with pytest.raises(ConfigError) as info:
        load(str(path))
    assert str(info.value).startswith(f"{path}: prot: unknown key")
