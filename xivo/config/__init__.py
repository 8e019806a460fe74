"""Typed configuration sections, validated up front.

A section is a frozen dataclass whose fields all have defaults; ``build`` turns a
mapping read from YAML (``load_config_file``, ``load_yaml``, ``parse_yaml``) into that
dataclass, or raises ``ConfigError`` naming the key path (``cache.ttl: expected a
number, got 'abc'``); a field's check (``positive``, ``port_number``, ``libpq_dsn``...)
runs on its converted value.  Nothing starts on a configuration that did not validate
completely.
"""

from xivo.config._build import build
from xivo.config._checks import libpq_dsn, not_negative, port_number, positive
from xivo.config._errors import ConfigError
from xivo.config._files import load_config_file, load_yaml, parse_yaml, read_text

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
