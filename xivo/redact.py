"""Keeping secrets out of log lines, error messages and endpoints.

Text that may carry a secret (an error raised by libpq, an LDAP server or an AMI peer,
a configuration error) goes through ``redact`` before it is logged, raised or served:
the secret values it is given (a DSN's password, an LDAP bind password, the AMI
secret) become ``***``, and so does any password written in a connection string or a
URI quoted in the text (libpq's ``invalid dsn: ...`` quotes the whole string), even
one that could not be parsed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import psycopg2.extensions

__all__ = ["MASK", "dsn_secrets", "redact"]

MASK = "***"

_URI_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@\"']*:)[^\s\"']*@")
"""``scheme://user:PASSWORD@``: the password runs to the last ``@`` of the word."""
_KEYWORD_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)
"""``password=PASSWORD`` or ``password='PASS WORD'`` (quoted, possibly unterminated)."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every one of ``secrets`` (empty ones are skipped) and every
    password of a connection string or URI replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    text = _URI_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    return _KEYWORD_PASSWORD.sub(rf"\g<1>{MASK}", text)


def dsn_secrets(dsn: str) -> tuple[str, ...]:
    """The secret values of a libpq connection string: its password as libpq reads it,
    and as written (also when the string cannot be parsed)."""
    found = [m.group(2).strip("'") for m in _KEYWORD_PASSWORD.finditer(dsn)]
    found += [m.group(0)[len(m.group(1)) : -1] for m in _URI_PASSWORD.finditer(dsn)]
    try:
        found.append(psycopg2.extensions.parse_dsn(dsn).get("password", ""))
    except psycopg2.Error:
        pass
    return tuple(s for s in found if s)
