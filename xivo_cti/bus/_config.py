"""The ``bus:`` and ``ipbx:`` configuration sections of xivo-ctid.

``bus.url`` empty (the default) means no bus: one node, no RabbitMQ.  ``ipbx`` maps the id
of each Asterisk this node owns to its ``ami`` settings; absent, today's single ``ami``
section is the one ipbx, named ``cti.ipbxid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pika

from xivo.redact import redact
from xivo_cti.ami import AMIConfig
from xivo_cti.bus._messages import check_ipbx_id

__all__ = ["BusConfig", "IpbxConfig", "amqp_url", "ipbx_ids"]

_EXCHANGE = re.compile(r"[A-Za-z0-9_.:-]{1,255}")


def amqp_url(value: str) -> None:
    """Field check: empty, or an ``amqp://`` / ``amqps://`` URL with a host that pika can
    read; the error never shows the password."""
    if not value:
        return
    try:
        parts = urlsplit(value)
        secrets = (parts.password,) if parts.password else ()
    except ValueError:
        raise ValueError("not a usable AMQP URL") from None
    try:
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            raise ValueError("expected an amqp:// or amqps:// URL naming a host")
        parts.port  # noqa: B018 (raises ValueError when it is not a port number)
        pika.URLParameters(value)
    except ValueError as e:
        raise ValueError(f"not a usable AMQP URL: {redact(str(e), secrets)}") from None


def _exchange(value: str) -> None:
    if not _EXCHANGE.fullmatch(value):
        raise ValueError(f"an exchange name is letters, digits, '-_.:' (1 to 255), got {value!r}")


def ipbx_ids(value: Mapping[str, object]) -> None:
    """Field check: each key can name an ipbx."""
    for key in value:
        check_ipbx_id(key)


@dataclass(frozen=True, kw_only=True)
class BusConfig:
    """Where the nodes meet: a RabbitMQ URL (empty: no bus) and the topic exchange."""

    url: str = field(default="", repr=False, metadata={"check": amqp_url})
    exchange: str = field(default="xivo-cti", metadata={"check": _exchange})


@dataclass(frozen=True, kw_only=True)
class IpbxConfig:
    """One Asterisk this node owns."""

    ami: AMIConfig = field(default_factory=AMIConfig)
