"""The ``callerid_lookup`` script: name an incoming caller from the directories.

``AGI(agi://127.0.0.1:4573/callerid_lookup)``.  When the caller name is empty,
``unknown`` or just a number, the caller's number is looked up (in the spellings each
source stores) and, on a match, ``CALLERID(name)`` is set, the request's last step: the
connection closes without waiting for Asterisk's reply.  The number is never changed.
Any error, timeout or hang-up leaves the caller ID alone: the call always goes on.

The name of the matching source is set only when asked for: the script's one optional
argument names the channel variable that receives it,
``AGI(agi://127.0.0.1:4573/callerid_lookup,XIVO_DIRECTORY_SOURCE)`` (then both go in one
``EXEC MSet`` when it can carry them).  Every variable set costs Asterisk a ``VarSet``
event to every AMI consumer, on every named call.
"""

from __future__ import annotations

import re
import unicodedata

from twisted.internet.defer import Deferred, fail, succeed
from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo_agid.directory._contact import Contact
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.directory._numbers import caller_number, load_country
from xivo_agid.fastagi import AGIEnvironment, AGIRequestError, AGISession

__all__ = ["MAX_NAME_LENGTH", "CallerIdLookup", "display_name", "needs_lookup", "source_variable"]

log = Logger(namespace="xivo_agid.callerid_lookup")
MAX_NAME_LENGTH = 80
_NUMBER_CHARS = frozenset("0123456789+*#-.() ")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")


def source_variable(args: tuple[str, ...]) -> str | None:
    """The channel variable the request's arguments ask to receive the matching source's
    name, or None (no argument, or an empty one); AGIRequestError unless it is a plain
    variable name (letters, digits and ``_``, ``_`` or ``__`` first to be inherited)."""
    if len(args) > 1:
        raise AGIRequestError(f"takes at most one argument (a variable name), got {len(args)}")
    name = args[0].strip() if args else ""
    if name and not _VARIABLE.fullmatch(name):
        raise AGIRequestError(
            f"its argument must be a channel variable name (letters, digits, _), got {name[:64]!r}"
        )
    return name or None


def needs_lookup(name: str, number: str) -> bool:
    """Whether ``name`` is no real name: empty, ``unknown``, or only a phone number."""
    name = name.strip()
    return not name or name.lower() == "unknown" or name == number.strip() or _is_number(name)


def _is_number(text: str) -> bool:
    return all(c in _NUMBER_CHARS for c in text)


def display_name(name: str) -> str:
    """``name`` safe for ``CALLERID(name)``: no control or line-break characters, spaces
    squeezed, at most ``MAX_NAME_LENGTH`` characters (quotes are escaped by the protocol)."""
    if not name.isprintable():  # else no character of _DROPPED_CATEGORIES: skip the scan
        name = "".join(" " if unicodedata.category(c) in _DROPPED_CATEGORIES else c for c in name)
    return " ".join(name.split())[:MAX_NAME_LENGTH].rstrip()


class CallerIdLookup:
    """Handler of ``callerid_lookup``, asking ``lookup`` with ``default_country`` rules."""

    def __init__(self, lookup: ReverseLookupService, default_country: str) -> None:
        self.lookup = lookup
        self._country = ""
        self.default_country = default_country

    @property
    def default_country(self) -> str:
        """The country of numbers without a country code; its data is loaded when set."""
        return self._country

    @default_country.setter
    def default_country(self, country: str) -> None:
        load_country(country)
        self._country = country

    def __call__(self, session: AGISession) -> Deferred[None]:
        # A plain callback chain, not a coroutine: this runs on every call and the
        # coroutine machinery cost more than the rest of the handler.
        env = session.env
        variable = source_variable(env.args)  # checked before anything is done
        number = env.callerid.strip()
        if not number or number.lower() == "unknown" or not needs_lookup(env.calleridname, number):
            return succeed(None)
        caller = caller_number(number, self._country)
        if caller is None:
            return succeed(None)
        try:
            d = self.lookup.lookup(caller)
        except Exception:  # fail open, as below
            d = fail()
        d.addCallback(self._found, session, variable)
        return d.addErrback(self._gave_up, env)

    @staticmethod
    def _found(
        contact: Contact | None, session: AGISession, variable: str | None
    ) -> Deferred[None] | None:
        if contact is None or session.hung_up:
            return None
        name = display_name(contact.name)
        if not name:
            return None
        if variable is None:
            return session.finish_with_variables((("CALLERID(name)", name),))
        # One step (one EXEC MSet, else the name first): never the source without the name.
        return session.finish_with_variables((("CALLERID(name)", name), (variable, contact.source)))

    @staticmethod
    def _gave_up(failure: Failure, env: AGIEnvironment) -> None:
        # Fail open: the call goes on with its caller ID untouched.
        log.info(
            "callerid_lookup gave up on {channel} ({uniqueid}): {error}",
            channel=env.channel,
            uniqueid=env.uniqueid,
            error=failure.getErrorMessage() or failure.type.__name__,
        )
