"""Configuration files: UTF-8 YAML whose top level is a mapping, errors naming the file.

Reading blocks: it runs at start-up or in a thread (a SIGHUP reads in the reactor's
thread pool, ``xivo.ops.reload.config_reader``).  PyYAML's errors are reported without
its quote of the line (it may hold a secret).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import yaml

from xivo.config._errors import ConfigError

__all__ = ["load_config_file", "load_yaml", "parse_yaml", "read_text"]

T = TypeVar("T")


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
