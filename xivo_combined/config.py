"""One YAML file for both daemons, split by each side's known top-level keys.

The two key sets do not collide (``listen``, ``sources``, ``reverse_lookup``... are
xivo-agid's; ``ami``, ``cti``, ``users_file``... are xivo-ctid's); ``http`` is the
one metrics/health server of the combined process.  A key neither side knows stops
start-up with a message naming it.

The combined process shares its reactor with FastAGI, so its CTI side works in smaller
slices per reactor pass than xivo-ctid alone (``COMBINED_BUDGETS``, used unless the
file sets them): FastAGI latency under CTI load against CTI throughput, as measured in
docs/benchmarks.md ("Isolation").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from xivo.config import ConfigError, build, load_config_file, port_number
from xivo.ops.config import OpsHTTPConfig
from xivo_agid import config as agid_config
from xivo_cti import config as ctid_config

__all__ = [
    "COMBINED_BUDGETS",
    "XivoConfig",
    "XivoHTTPConfig",
    "build_config",
    "load_config",
    "split_keys",
    "with_combined_budgets",
]

SHARED_KEYS = frozenset({"http"})
AGID_KEYS = frozenset(f.name for f in dataclasses.fields(agid_config.AgidConfig)) - SHARED_KEYS
CTID_KEYS = frozenset(f.name for f in dataclasses.fields(ctid_config.CtidConfig)) - SHARED_KEYS
COMBINED_BUDGETS = {"ami": {"events_per_pass": 10}, "cti": {"writes_per_pass": 10}}
"""Per-pass budgets of the CTI side in the combined process, under the file's own keys."""


def with_combined_budgets(ctid: dict[str, Any]) -> dict[str, Any]:
    """The xivo-ctid mapping with ``COMBINED_BUDGETS`` where the file does not set them."""
    result = dict(ctid)
    for section, defaults in COMBINED_BUDGETS.items():
        given = result.get(section)
        if given is None:
            given = {}
        if isinstance(given, dict):  # else: left for build() to refuse with its key path
            result[section] = {**defaults, **given}
    return result


def _combined_ctid_defaults() -> ctid_config.CtidConfig:
    return ctid_config.build_config(with_combined_budgets({}))


@dataclass(frozen=True, kw_only=True)
class XivoHTTPConfig(OpsHTTPConfig):
    """The ``http`` section of the combined process (default port 9500)."""

    port: int = field(default=9500, metadata={"check": port_number})


@dataclass(frozen=True)
class XivoConfig:
    """Both daemons' configurations and the shared HTTP server's."""

    agid: agid_config.AgidConfig = field(default_factory=agid_config.AgidConfig)
    ctid: ctid_config.CtidConfig = field(default_factory=_combined_ctid_defaults)
    http: XivoHTTPConfig = field(default_factory=XivoHTTPConfig)


def split_keys(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Split a top-level mapping into (agid keys, ctid keys, shared keys)."""
    agid: dict[str, Any] = {}
    ctid: dict[str, Any] = {}
    shared: dict[str, Any] = {}
    for key, value in data.items():
        if key in SHARED_KEYS:
            shared[key] = value
        elif key in AGID_KEYS:
            agid[key] = value
        elif key in CTID_KEYS:
            ctid[key] = value
        else:
            known = ", ".join(sorted(AGID_KEYS | CTID_KEYS | SHARED_KEYS))
            raise ConfigError(f"{key}: unknown key (known keys: {known})")
    return agid, ctid, shared


def build_config(data: dict[str, Any]) -> XivoConfig:
    """Validate the combined mapping; errors name the key as in the separate files."""
    agid, ctid, shared = split_keys(data)
    return XivoConfig(
        agid=agid_config.build_config(agid),
        ctid=ctid_config.build_config(with_combined_budgets(ctid)),
        http=build(XivoHTTPConfig, shared.get("http"), "http"),
    )


def load_config(path: str | None) -> XivoConfig:
    """Read and validate the combined YAML file; None gives the embedded defaults."""
    return load_config_file(path, build_config, XivoConfig)
