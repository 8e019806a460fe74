"""The xivo-ctid configuration file: AMI link, CTI server, users, metrics/health HTTP.

```yaml
ami: {host: 127.0.0.1, port: 5038, username: xivo, secret: ...}
cti: {address: 127.0.0.1, port: 5003, login_timeout: 5}
users_file: /etc/xivo-ctid/users.yml     # or users_db: {dsn: ..., table: cti_users}
http: {address: 127.0.0.1, port: 9503}   # /metrics and /health
```
Every key has a default; a wrong key or value raises ``ConfigError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xivo.config import build, load_config_file, port_number
from xivo.ops.config import OpsHTTPConfig
from xivo_cti.ami import AMIConfig
from xivo_cti.cti import CTIConfig
from xivo_cti.users import DEFAULT_USERS_FILE, UsersDBConfig

__all__ = ["CtidConfig", "CtidHTTPConfig", "build_config", "load_config"]


@dataclass(frozen=True, kw_only=True)
class CtidHTTPConfig(OpsHTTPConfig):
    """The ``http`` section of xivo-ctid (its own default port, 9503)."""

    port: int = field(default=9503, metadata={"check": port_number})


@dataclass(frozen=True)
class CtidConfig:
    """The whole xivo-ctid configuration file."""

    ami: AMIConfig = field(default_factory=AMIConfig)
    cti: CTIConfig = field(default_factory=CTIConfig)
    users_file: str = DEFAULT_USERS_FILE
    users_db: UsersDBConfig = field(default_factory=UsersDBConfig)
    http: CtidHTTPConfig = field(default_factory=CtidHTTPConfig)


def build_config(data: Any) -> CtidConfig:
    """Validate a mapping read from YAML into a ``CtidConfig``."""
    return build(CtidConfig, data)


def load_config(path: str | None) -> CtidConfig:
    """Read and validate the YAML file at ``path``; None gives the embedded defaults."""
    return load_config_file(path, build_config, CtidConfig)
