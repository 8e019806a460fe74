"""The xivo-ctid configuration file: AMI link, CTI server, users, metrics/health HTTP.

```yaml
ami: {host: 127.0.0.1, port: 5038, username: xivo, secret: ...}   # or ipbx: {ID: {ami: ...}}
bus: {url: "amqp://user:password@rabbitmq/%2F", exchange: xivo-cti}  # several nodes
cti: {address: 127.0.0.1, port: 5003, login_timeout: 5}
users_file: /etc/xivo-ctid/users.yml     # or users_db: {dsn: ..., table: cti_users}
state_directory: /var/lib/xivo-ctid      # history and contacts without users_db
userdata: {history_size: 100, max_contacts: 1000}
http: {address: 127.0.0.1, port: 9503}   # /metrics and /health
web: {enabled: true, address: 127.0.0.1, port: 9480}   # the operator panel
```
Every key has a default; a wrong key or value raises ``ConfigError`` naming it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xivo.config import ConfigError, build, load_config_file, port_number
from xivo.ops.config import OpsHTTPConfig
from xivo_cti.ami import AMIConfig
from xivo_cti.bus import BusConfig, IpbxConfig, check_ipbx_id, ipbx_ids
from xivo_cti.cti import CTIConfig
from xivo_cti.userdata import UserDataConfig
from xivo_cti.users import DEFAULT_USERS_FILE, UsersDBConfig
from xivo_cti.web import WebConfig

__all__ = ["CtidConfig", "CtidHTTPConfig", "build_config", "load_config"]


@dataclass(frozen=True, kw_only=True)
class CtidHTTPConfig(OpsHTTPConfig):
    """The ``http`` section of xivo-ctid (its own default port, 9503)."""

    port: int = field(default=9503, metadata={"check": port_number})


@dataclass(frozen=True)
class CtidConfig:
    """The whole xivo-ctid configuration file."""

    ami: AMIConfig = field(default_factory=AMIConfig)
    ipbx: Mapping[str, IpbxConfig] | None = field(default=None, metadata={"check": ipbx_ids})
    bus: BusConfig = field(default_factory=BusConfig)
    cti: CTIConfig = field(default_factory=CTIConfig)
    users_file: str = DEFAULT_USERS_FILE
    users_db: UsersDBConfig = field(default_factory=UsersDBConfig)
    state_directory: str = ""
    userdata: UserDataConfig = field(default_factory=UserDataConfig)
    http: CtidHTTPConfig = field(default_factory=CtidHTTPConfig)
    web: WebConfig = field(default_factory=WebConfig)

    @property
    def owned_ipbx(self) -> Mapping[str, AMIConfig]:
        """The AMI settings of each ipbx this node owns, by id."""
        if self.ipbx is None:
            return {self.cti.ipbxid: self.ami}
        return {ipbx_id: ipbx.ami for ipbx_id, ipbx in self.ipbx.items()}


def build_config(data: Any) -> CtidConfig:
    """Validate a mapping read from YAML into a ``CtidConfig``.  Given as ``ipbx``,
    ``cti.ipbxid`` names the default ipbx (users without ``ipbx`` are on it; absent: the
    first), and its settings become ``ami``.  Only a node on a bus may own none (it serves
    the ipbx of other nodes), or have another node's ipbx as its default one."""
    config = build(CtidConfig, data)
    if config.ipbx is not None and "ami" in data:
        raise ConfigError("ipbx: give either ami (one ipbx named cti.ipbxid) or ipbx, not both")
    if config.bus.url and config.ipbx is None:
        try:
            check_ipbx_id(config.cti.ipbxid)
        except ValueError as e:
            raise ConfigError(f"cti.ipbxid: {e} (it names the ipbx on the bus)") from None
    if config.ipbx is None or (not config.ipbx and config.bus.url):
        return config
    if not config.ipbx:
        raise ConfigError("ipbx: at least one ipbx without a bus (bus.url)")
    ipbx_id = next(iter(config.ipbx))
    if "ipbxid" in (data.get("cti") or {}):
        ipbx_id = config.cti.ipbxid
        if ipbx_id not in config.ipbx and not config.bus.url:
            raise ConfigError(f"cti.ipbxid: {ipbx_id!r} is not one of the ipbx")
    if ipbx_id not in config.ipbx:
        return config  # the default ipbx is another node's
    cti = dataclasses.replace(config.cti, ipbxid=ipbx_id)
    return dataclasses.replace(config, ami=config.ipbx[ipbx_id].ami, cti=cti)


def load_config(path: str | None) -> CtidConfig:
    """Read and validate the YAML file at ``path``; None gives the embedded defaults."""
    return load_config_file(path, build_config, CtidConfig)
