"""The ``callerid_lookup`` script: name an incoming caller from the directories.

``AGI(agi://127.0.0.1:4573/callerid_lookup)``.  When the caller name is empty,
``unknown`` or just a number, the caller's number is looked up (in all its usual
spellings) and, on a match, ``CALLERID(name)`` and ``XIVO_DIRECTORY_SOURCE`` are
set.  The number is never changed.  Any error, timeout or hang-up leaves the
caller ID alone: the call always goes on.
"""

from __future__ import annotations

import unicodedata

from twisted.logger import Logger

from xivo_agid.directory.lookup import ReverseLookupService
from xivo_agid.directory.numbers import number_candidates
from xivo_agid.fastagi import AGISession

__all__ = ["MAX_NAME_LENGTH", "CallerIdLookup", "display_name", "needs_lookup"]

log = Logger(namespace="xivo_agid.callerid_lookup")
MAX_NAME_LENGTH = 80
_NUMBER_CHARS = frozenset("0123456789+*#-.() ")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def needs_lookup(name: str, number: str) -> bool:
    """Whether ``name`` is no real name: empty, ``unknown``, or only a phone number."""
    name = name.strip()
    return not name or name.lower() == "unknown" or name == number.strip() or _is_number(name)


def _is_number(text: str) -> bool:
    return all(c in _NUMBER_CHARS for c in text)


def display_name(name: str) -> str:
    """``name`` safe for ``CALLERID(name)``: no control or line-break characters, spaces
    squeezed, at most ``MAX_NAME_LENGTH`` characters (quotes are escaped by the protocol)."""
    kept = "".join(
        " " if unicodedata.category(c) in _DROPPED_CATEGORIES else c for c in name
    ).split()
    return " ".join(kept)[:MAX_NAME_LENGTH].rstrip()


class CallerIdLookup:
    """Handler of ``callerid_lookup``, asking ``lookup`` with ``default_country`` rules."""

    def __init__(self, lookup: ReverseLookupService, default_country: str) -> None:
        self.lookup = lookup
        self.default_country = default_country

    async def __call__(self, session: AGISession) -> None:
        env = session.env
        number = env.callerid.strip()
        if not number or number.lower() == "unknown" or not needs_lookup(env.calleridname, number):
            return
        try:
            contact = await self.lookup.lookup(number_candidates(number, self.default_country))
            if contact is None or session.hung_up:
                return
            name = display_name(contact.name)
            if not name:
                return
            await session.set_variable("CALLERID(name)", name)
            await session.set_variable("XIVO_DIRECTORY_SOURCE", contact.source)
        except Exception as e:  # fail open: the call goes on with its caller ID untouched
            log.info(
                "callerid_lookup gave up on {channel} ({uniqueid}): {error}",
                channel=env.channel,
                uniqueid=env.uniqueid,
                error=str(e) or type(e).__name__,
            )
