"""Typed configuration sections, validated up front.

A section is a frozen dataclass whose fields all have defaults; ``build`` turns a
mapping read from YAML into that dataclass, or raises ``ConfigError`` naming the
key path (``cache.ttl: expected a number, got 'abc'``).  Nothing starts on a
configuration that did not validate completely.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import psycopg2.extensions
import yaml

from xivo.redact import dsn_secrets, redact

T = TypeVar("T")

__all__ = [
    "ConfigError",
    "build",
    "libpq_dsn",
    "load_config_file",
    "load_yaml",
    "not_negative",
    "parse_yaml",
    "read_text",
    "port_number",
    "positive",
]


class ConfigError(Exception):
    """A configuration file or value is wrong; the message names the key."""


def parse_yaml(text: str, origin: str = "<config>") -> dict[str, Any]:
    """Parse YAML text whose top level must be a mapping (empty text gives ``{}``)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"{origin}: invalid YAML: {_yaml_error(e)}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: the top level must be a mapping of keys")
    return data


def _yaml_error(error: yaml.YAMLError) -> str:
    """What went wrong and where, without PyYAML's quote of the line (it may hold a secret)."""
    if not isinstance(error, yaml.MarkedYAMLError):
        return type(error).__name__
    where = ""
    if error.problem_mark is not None:
        where = f" at line {error.problem_mark.line + 1}, column {error.problem_mark.column + 1}"
    context = f" ({error.context})" if error.context else ""
    return f"{error.problem}{context}{where}"


def read_text(path: str) -> str:
    """Read a UTF-8 file; ``ConfigError`` names it (blocking: at start-up or in a thread)."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


def load_yaml(path: str) -> dict[str, Any]:
    """Read and parse a YAML file (for start-up and reload, not for the reactor's hot path)."""
    return parse_yaml(read_text(path), path)


def load_config_file(
    path: str | None, build_config: Callable[[Any], T], default: Callable[[], T]
) -> T:
    """Read the YAML file at ``path`` and validate it with ``build_config``; errors name
    the file. ``path`` None gives ``default()`` (the embedded defaults)."""
    if path is None:
        return default()
    data = load_yaml(path)
    try:
        return build_config(data)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None


def build(cls: type[T], data: Any, path: str = "") -> T:
    """Build the dataclass ``cls`` from ``data``, checking keys and types.

    Unknown keys and wrong types raise ``ConfigError`` with the dotted key path.
    A field's ``metadata["check"]``, if present, is called with the converted value
    and may raise ``ValueError`` whose text becomes the error message.  The value of a
    field declared with ``repr=False`` (a secret) is never quoted in an error.
    """
    return _convert(cls, data, path)


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _where(path: str) -> str:
    return path or "configuration"


def _convert(tp: Any, value: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        return _build_dataclass(tp, value, path)
    if tp is Any:
        return value
    if tp is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path)}: expected a mapping, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, path)
            except ConfigError as e:
                errors.append(str(e))
        if len(errors) == 1:
            raise ConfigError(errors[0])
        raise ConfigError(f"{_where(path)}: invalid value {value!r}")
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        if value not in choices:
            raise ConfigError(f"{_where(path)}: expected one of {list(choices)}, got {value!r}")
        return value
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{_where(path)}: expected a list, got {value!r}")
        (item,) = typing.get_args(tp)[:1]
        return tuple(_convert(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if origin in (dict, Mapping):
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path)}: expected a mapping, got {value!r}")
        ktp, vtp = typing.get_args(tp)
        return types.MappingProxyType(
            {_convert(ktp, k, path): _convert(vtp, v, _join(path, k)) for k, v in value.items()}
        )
    return _scalar(tp, value, path)


def _scalar(tp: Any, value: Any, path: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{_where(path)}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{_where(path)}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{_where(path)}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)  # YAML reads `port: 5038` or `extension: 2001` as numbers
        raise ConfigError(f"{_where(path)}: expected a string, got {value!r}")
    raise TypeError(f"unsupported configuration type {tp!r} at {path}")


def _build_dataclass(cls: Any, value: Any, path: str) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{_where(path)}: expected a mapping, got {value!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = [k for k in value if k not in fields]
    if unknown:
        known = ", ".join(sorted(fields))
        raise ConfigError(f"{_join(path, unknown[0])}: unknown key (known keys: {known})")
    kwargs = {}
    for name, raw in value.items():
        field = fields[name]
        key_path = _join(path, name)
        try:
            converted = _convert(hints[name], raw, key_path)
        except ConfigError:
            if field.repr:
                raise
            raise ConfigError(f"{key_path}: invalid value (not shown: a secret)") from None
        check = field.metadata.get("check")
        if check is not None:
            try:
                check(converted)
            except ValueError as e:
                raise ConfigError(f"{key_path}: {e}") from None
        kwargs[name] = converted
    return cls(**kwargs)


def positive(value: float) -> None:
    """Field check: the value must be greater than zero."""
    if value <= 0:
        raise ValueError(f"must be greater than 0, got {value}")


def not_negative(value: float) -> None:
    """Field check: the value must be 0 or more."""
    if value < 0:
        raise ValueError(f"must be 0 or more, got {value}")


def port_number(value: int) -> None:
    """Field check: a TCP port (0 lets the system choose)."""
    if not 0 <= value <= 65535:
        raise ValueError(f"must be a port number from 0 to 65535, got {value}")


def libpq_dsn(value: str) -> None:
    """Field check: a connection string libpq itself can parse (empty passes); the
    error says what libpq found wrong, with the password masked."""
    if not value:
        return
    try:
        psycopg2.extensions.parse_dsn(value)
    except psycopg2.Error as e:
        problem = redact(str(e).strip(), dsn_secrets(value)).removeprefix("invalid dsn: ")
        raise ValueError(f"not a valid libpq connection string: {problem}") from None
