"""One reused, bound LDAP connection (ldaptor) that reconnects when it is lost."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ldaptor.protocols import pureldap
from ldaptor.protocols.ldap import ldaperrors
from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.redact import redact

from ._source import SourceUnavailable

if TYPE_CHECKING:
    from ldaptor.protocols.ldap.ldapclient import LDAPClient

__all__ = ["LdapConnection", "parse_ldap_uri"]

log = Logger()
MAX_RESPONSE = 1024 * 1024
_SIZE_LIMIT_EXCEEDED = 4


def parse_ldap_uri(uri: str) -> tuple[str, int]:
    """``ldap://host[:port]`` -> (host, port); ValueError for anything else (a user or
    password in the URI too: they belong in ``bind_dn`` and ``bind_password``)."""
    try:
        parts = urlsplit(uri)
        port = parts.port or 389
    except ValueError:
        parts, port = None, 0
    if (
        parts is None
        or parts.scheme != "ldap"
        or not parts.hostname
        or "@" in parts.netloc
        or parts.path not in ("", "/")
    ):
        raise ValueError(f"must look like ldap://host[:port], got {redact(uri)!r}")
    return parts.hostname, port


@cache
def _bounded_client() -> type[LDAPClient]:
    """ldaptor's LDAPClient, dropping a server that sends an oversized response.  Made on
    first use: ldaptor's client module installs the global reactor when imported, which
    must not happen before twistd has chosen one."""
    from ldaptor.protocols.ldap.ldapclient import LDAPClient

    class BoundedClient(LDAPClient):
        def dataReceived(self, data: bytes) -> None:
            super().dataReceived(data)
            if len(self.buffer) > MAX_RESPONSE:
                self.transport.abortConnection()

    return BoundedClient


class LdapConnection:
    """Searches over one connection, opened and bound on first use and reused after.

    The TCP connect and the bind each have ``connect_timeout``.  After a failed
    connect, searches fail at once for ``retry_delay`` seconds instead of waiting.
    """

    def __init__(
        self,
        uri: str,
        *,
        bind_dn: str,
        bind_password: str,
        reactor: Any,
        connect_timeout: float = 0.3,
        retry_delay: float = 1.0,
    ) -> None:
        self._host, self._port = parse_ldap_uri(uri)
        self._bind_dn = bind_dn
        self._bind_password = bind_password
        self._secrets = (bind_password,)
        self._reactor = reactor
        self._connect_timeout = connect_timeout
        self._retry_delay = retry_delay
        self._client: LDAPClient | None = None
        self._waiting: list[Deferred] | None = None  # not None while connecting
        self._retry_at = 0.0
        self.last_error: str | None = "not connected yet"
        """Why the last connect or bind failed; None once one succeeded."""

    @property
    def connected(self) -> bool:
        """Whether a bound connection is open now."""
        return self._client is not None and bool(self._client.connected)

    def search(self, request: pureldap.LDAPSearchRequest) -> Deferred[list[Any]]:
        """The entries a search returns; cancelling abandons waiting for them."""
        return self._get_client().addCallback(self._search_on, request)

    def probe(self) -> None:
        """Open and bind the connection now unless it is open or opening (so that
        ``last_error`` is known before any search); a failure only sets ``last_error``."""
        if not self.connected and self._waiting is None:
            self._get_client().addErrback(lambda _failure: None)

    def close(self) -> None:
        """Close the connection, if open."""
        if self._client is not None and self._client.transport is not None:
            self._client.transport.loseConnection()
        self._client = None

    def _get_client(self) -> Deferred[LDAPClient]:
        if self._client is not None and self._client.connected:
            return succeed(self._client)
        if self._waiting is None:
            if self._reactor.seconds() < self._retry_at:
                return fail(SourceUnavailable("the LDAP server is unreachable"))
            self._waiting = []
            self._connect()
        d: Deferred[LDAPClient] = Deferred(self._waiting.remove)
        self._waiting.append(d)
        return d

    def _connect(self) -> None:
        endpoint = TCP4ClientEndpoint(
            self._reactor, self._host, self._port, timeout=self._connect_timeout
        )
        d = connectProtocol(endpoint, _bounded_client()())
        d.addCallback(self._bind)
        d.addBoth(self._connected)

    def _bind(self, client: LDAPClient) -> Deferred[LDAPClient]:
        timer = self._reactor.callLater(self._connect_timeout, client.transport.abortConnection)
        request = pureldap.LDAPBindRequest(dn=self._bind_dn, auth=self._bind_password)
        d = client.send(request)

        def bound(response: Any) -> LDAPClient:
            if response.resultCode != ldaperrors.Success.resultCode:
                client.transport.abortConnection()
                raise ldaperrors.get(response.resultCode, response.errorMessage)
            return client

        def done(outcome: Any) -> Any:
            if timer.active():
                timer.cancel()
            return outcome

        return d.addBoth(done).addCallback(bound)

    def _connected(self, outcome: Any) -> None:
        waiting, self._waiting = self._waiting or [], None
        if isinstance(outcome, Failure):
            self._retry_at = self._reactor.seconds() + self._retry_delay
            error = redact(outcome.getErrorMessage() or outcome.type.__name__, self._secrets)
            self.last_error = error
            log.warn(
                "LDAP {host}:{port} unreachable: {error}",
                host=self._host,
                port=self._port,
                error=error,
            )
            for d in waiting:
                d.errback(SourceUnavailable(f"LDAP connect failed: {error}"))
            return
        self._client = outcome
        self.last_error = None
        for d in waiting:
            d.callback(outcome)

    def _search_on(self, client: LDAPClient, request: Any) -> Deferred[list[Any]]:
        entries: list[Any] = []
        result: Deferred[list[Any]] = Deferred()

        def handle(message: Any) -> bool:
            if isinstance(message, pureldap.LDAPSearchResultEntry):
                entries.append(message)
                return False
            if not isinstance(message, pureldap.LDAPSearchResultDone):
                return False  # a referral: not followed
            if result.called:
                return True
            if message.resultCode in (0, _SIZE_LIMIT_EXCEEDED):
                result.callback(entries)
            else:
                result.errback(ldaperrors.get(message.resultCode, message.errorMessage))
            return True

        def lost(failure: Failure) -> None:
            if not result.called:
                result.errback(failure)

        client.send_multiResponse(request, handle).addErrback(lost)
        return result
