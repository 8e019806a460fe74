"""The ``sources`` section: each source's settings validated by its type's dataclass.

Read by ``xivo_agid.config`` when the file is read (nothing starts half-configured) and
by ``DirectoryService`` when it builds the sources; it imports neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xivo.config import ConfigError, build

from .csv_source import CsvSourceConfig
from .ldap_source import LdapSourceConfig
from .pg_source import PostgresSourceConfig
from .source import SourceConfig

__all__ = ["SOURCE_CONFIGS", "build_source_configs"]

SOURCE_CONFIGS: Mapping[str, type[SourceConfig]] = {
    "csv": CsvSourceConfig,
    "postgresql": PostgresSourceConfig,
    "ldap": LdapSourceConfig,
}
"""Source ``type`` -> its settings dataclass."""

_REQUIRED = {CsvSourceConfig: "file", PostgresSourceConfig: "dsn", LdapSourceConfig: "base_dn"}


def build_source_configs(
    sources: Mapping[str, Any], lookup_order: Sequence[str]
) -> dict[str, SourceConfig]:
    """Validate ``sources`` (name -> raw settings) into per-type settings, and check that
    every name of ``lookup_order`` (``reverse_lookup.sources``) is one of them;
    ``ConfigError`` names the key."""
    result = {}
    for name, raw in sources.items():
        path = f"sources.{name}"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{path}: expected a mapping, got {raw!r}")
        kind = raw.get("type")
        if not isinstance(kind, str) or kind not in SOURCE_CONFIGS:
            known = ", ".join(SOURCE_CONFIGS)
            raise ConfigError(f"{path}.type: expected one of {known}, got {kind!r}")
        cfg = build(SOURCE_CONFIGS[kind], dict(raw), path)
        key = _REQUIRED[type(cfg)]
        if not getattr(cfg, key):
            raise ConfigError(f"{path}.{key}: required for type {cfg.type}")
        result[name] = cfg
    for i, name in enumerate(lookup_order):
        if name not in result:
            raise ConfigError(f"reverse_lookup.sources[{i}]: no source named {name!r}")
    return result
