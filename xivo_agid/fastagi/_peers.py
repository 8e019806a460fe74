"""Which peer addresses may open a FastAGI connection: the ``fastagi.allowed_peers`` list."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

__all__ = ["AllowList"]


class AllowList:
    """Addresses and networks allowed to connect; ``allows(host)`` is a dict lookup once
    a host has been seen (Asterisk servers are few), an ``ipaddress`` check before."""

    MAX_REMEMBERED = 1024
    """Hosts whose verdict is kept; the memory is cleared when it is full."""

    def __init__(self, peers: Iterable[str]) -> None:
        self._networks = tuple(ipaddress.ip_network(p, strict=False) for p in peers)
        self._seen: dict[str, bool] = {}

    def allows(self, host: str) -> bool:
        """Whether ``host`` (an IPv4 or IPv6 address, IPv4-mapped ones as IPv4) may connect."""
        verdict = self._seen.get(host)
        if verdict is None:
            verdict = self._check(host)
            if len(self._seen) >= self.MAX_REMEMBERED:
                self._seen.clear()
            self._seen[host] = verdict
        return verdict

    def _check(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self._networks)
