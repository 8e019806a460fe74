"""Reverse directory lookup: find a contact's name from a phone number.

What this package offers (its modules are private):

- ``DirectoryService``: builds the configured sources, their guards, the cache and the
  ``ReverseLookupService`` from the configuration, and starts and stops the sources.
- ``ReverseLookupService``: asks every source in parallel; the most trusted match wins,
  on a deadline, through a ``TTLCache``; ``GuardedSource`` caps one source's
  concurrency and time.
- ``DirectorySource``: the contract a source follows (CSV, PostgreSQL, LDAP), answering
  with a ``Contact`` or None, failing with ``SourceUnavailable`` when it cannot answer.
- ``CallerNumber`` (``caller_number``): a caller's number, spelt for each source as its
  ``number_format`` says (``NUMBER_FORMATS``); ``number_candidates``: every usual
  spelling.
"""

from xivo_agid.directory._cache import TTLCache
from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.directory._numbers import (
    NUMBER_FORMATS,
    CallerNumber,
    caller_number,
    number_candidates,
)
from xivo_agid.directory._service import DirectoryService
from xivo_agid.directory._source import DirectorySource, SourceUnavailable

__all__ = [
    "NUMBER_FORMATS",
    "CallerNumber",
    "Contact",
    "DirectoryService",
    "DirectorySource",
    "GuardedSource",
    "ReverseLookupService",
    "SourceUnavailable",
    "TTLCache",
    "caller_number",
    "number_candidates",
]
