"""Host names of a libpq connection string, resolved without blocking the reactor.

libpq resolves a ``host`` name itself, synchronously, when a connection starts
(``getaddrinfo`` in ``PQconnectStart``): a slow or unreachable DNS server would hold the
reactor, and every call with it, for the resolver's timeout, at every reconnection
attempt.  ``with_host_addresses`` resolves the names first, in the reactor's thread pool,
and gives the connection string with ``hostaddr`` set, which libpq then uses as it is
(``host`` still names the server for TLS and the password file).  Socket directories, IP
addresses and strings that already set ``hostaddr`` are left alone.  A name with several
addresses becomes as many entries, tried in order, as libpq would try them.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import psycopg2
import psycopg2.extensions
from twisted.internet.defer import Deferred, FirstError, fail, gatherResults, succeed
from twisted.internet.threads import deferToThreadPool
from twisted.python.failure import Failure

__all__ = ["Resolve", "thread_resolver", "with_host_addresses"]

Resolve = Callable[[str], Deferred[list[str]]]
"""A host name to its addresses (a Deferred of a non-empty list)."""


def _is_name(host: str) -> bool:
    if not host or host.startswith(("/", "@")):  # default, socket directory, abstract socket
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False


def with_host_addresses(dsn: str, resolve: Resolve) -> Deferred[str]:
    """``dsn`` with every host name given its addresses in ``hostaddr`` (``dsn`` itself
    when there is none to resolve); fails with ``psycopg2.OperationalError`` naming the
    host if one cannot be resolved, with libpq's error if ``dsn`` does not parse."""
    try:
        params = psycopg2.extensions.parse_dsn(dsn)
    except psycopg2.Error:
        return fail()  # libpq's own error (the caller masks the password)
    hosts = params.get("host", "").split(",")
    if "hostaddr" in params or not any(_is_name(h) for h in hosts):
        return succeed(dsn)
    ports = params.get("port", "").split(",")
    one_port = len(ports) == 1  # one port (or none) for every host: kept as it is
    if not one_port and len(ports) != len(hosts):
        return succeed(dsn)  # libpq says what is wrong with it
    ports = ports[:1] * len(hosts) if one_port else ports
    lookups = [
        resolve(h).addErrback(_unresolved, h) if _is_name(h) else succeed([""]) for h in hosts
    ]

    def rebuild(addresses: list[list[str]]) -> str:
        entries = [
            (host, port, address)
            for host, port, found in zip(hosts, ports, addresses, strict=True)
            for address in found
        ]
        params["host"] = ",".join(host for host, _port, _address in entries)
        params["hostaddr"] = ",".join(address for _host, _port, address in entries)
        if not one_port:
            params["port"] = ",".join(port for _host, port, _address in entries)
        return psycopg2.extensions.make_dsn(**params)

    return gatherResults(lookups, consumeErrors=True).addCallbacks(rebuild, _first_error)


def _unresolved(failure: Failure, host: str) -> None:
    reason = failure.getErrorMessage() or failure.type.__name__
    raise psycopg2.OperationalError(f'could not translate host name "{host}" to address: {reason}')


def _first_error(failure: Failure) -> Failure:
    failure.trap(FirstError)
    return failure.value.subFailure


def thread_resolver(reactor: Any) -> Resolve:
    """Resolves names with ``getaddrinfo`` in ``reactor``'s thread pool."""

    def resolve(host: str) -> Deferred[list[str]]:
        return deferToThreadPool(reactor, reactor.getThreadPool(), _addresses, host)

    return resolve


def _addresses(host: str) -> list[str]:
    found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))
