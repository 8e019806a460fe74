"""The ``ldap`` source: an equality search on the matched attributes, via ldaptor.

The filter is built as an LDAP structure, never as text, so a number cannot
change the query: ``(|(telephoneNumber=<v1>)(mobile=<v1>)...)`` with every
candidate spelling as an assertion value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ldaptor.protocols import pureldap
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall

from xivo.config import positive

from ._contact import Contact
from ._ldap_client import LdapConnection, parse_ldap_uri
from ._numbers import ANY, check_number_format
from ._source import SourceConfig

__all__ = ["LdapSource", "LdapSourceConfig", "build_search"]


def _check_uri(value: str) -> None:
    parse_ldap_uri(value)


@dataclass(frozen=True)
class LdapSourceConfig(SourceConfig):
    """``type: ldap`` settings."""

    uri: str = field(default="ldap://127.0.0.1:389", metadata={"check": _check_uri})
    base_dn: str = ""
    bind_dn: str = ""
    bind_password: str = field(default="", repr=False)
    """Never logged."""
    connect_timeout: float = field(default=0.3, metadata={"check": positive})
    concurrency: int = field(default=20, metadata={"check": positive})
    """Searches outstanding at once on the one connection."""
    number_format: str = field(default=ANY, metadata={"check": check_number_format})
    """How the matched attributes store numbers (``any``, ``e164``, ``as_dialled``), as
    for PostgreSQL."""


def build_search(config: LdapSourceConfig, candidates: Sequence[str]) -> Any:
    """The search request for ``candidates``: one entry at most, only the template's attributes."""
    matches = [
        pureldap.LDAPFilter_equalityMatch(
            attributeDesc=pureldap.LDAPAttributeDescription(column),
            assertionValue=pureldap.LDAPAssertionValue(candidate),
        )
        for column in config.first_matched_columns
        for candidate in candidates
    ]
    return pureldap.LDAPSearchRequest(
        baseObject=config.base_dn,
        scope=pureldap.LDAP_SCOPE_wholeSubtree,
        derefAliases=pureldap.LDAP_DEREF_neverDerefAliases,
        sizeLimit=1,
        timeLimit=max(1, int(config.timeout + 0.999)),
        typesOnly=0,
        filter=pureldap.LDAPFilter_or(matches),
        attributes=list(config.template.fields),
    )


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


class LdapSource:
    """Looks numbers up in an LDAP directory over one reused connection."""

    PROBE_INTERVAL = 10.0
    """Seconds between two checks that the connection is open (reopened if not)."""

    def __init__(self, name: str, config: LdapSourceConfig, *, reactor: Any) -> None:
        self.name = name
        self.config = config
        self.number_format = config.number_format
        self._template = config.template
        self._connection = LdapConnection(
            config.uri,
            bind_dn=config.bind_dn,
            bind_password=config.bind_password,
            reactor=reactor,
            connect_timeout=config.connect_timeout,
        )
        self._probe = LoopingCall(self._connection.probe)
        self._probe.clock = reactor

    def startService(self) -> None:
        """Open the connection now, and again every ``PROBE_INTERVAL`` s if it was lost."""
        self._probe.start(self.PROBE_INTERVAL, now=True)

    def stopService(self) -> None:
        """Close the connection."""
        if self._probe.running:
            self._probe.stop()
        self._connection.close()

    def health(self) -> tuple[bool, dict[str, Any]]:
        """Down until the first bind and while the last connection attempt failed."""
        connection = self._connection
        error = connection.last_error
        details = {"uri": self.config.uri, "connected": connection.connected, "error": error or ""}
        return error is None, details

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """The first entry whose matched attributes equal one of ``candidates``."""
        d = self._connection.search(build_search(self.config, candidates))
        return d.addCallback(self._contact)

    def _contact(self, entries: list[Any]) -> Contact | None:
        if not entries:
            return None
        wanted = {f.lower(): f for f in self._template.fields}
        values = {}
        for attribute, attribute_values in entries[0].attributes:
            key = wanted.get(_text(attribute).lower())
            if key is not None and attribute_values:
                values[key] = _text(attribute_values[0])
        name = self._template.render(values)
        return Contact(name=name, source=self.name) if name else None
