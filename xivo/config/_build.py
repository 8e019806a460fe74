"""Typed configuration sections built from mappings read from YAML.

A section is a frozen dataclass whose fields all have defaults; ``build`` turns a mapping
into that dataclass, or raises ``ConfigError`` naming the key path (``cache.ttl:
expected a number, got 'abc'``).  Field types: nested sections (dataclasses), ``bool``,
``int``, ``float``, ``str``, ``Literal``, unions (``int | None``), lists and tuples
(built as tuples), ``dict``, typed ``dict``/``Mapping`` (built read-only) and ``Any``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from xivo.config._errors import ConfigError

__all__ = ["build"]

T = TypeVar("T")


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
