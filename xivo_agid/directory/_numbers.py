"""Phone number normalisation: the formats a directory may have stored a number in."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import PhoneNumberFormat

__all__ = ["MAX_NUMBER_LENGTH", "canonical_number", "number_candidates"]

MAX_NUMBER_LENGTH = 40
"""Longer caller numbers are not looked up at all."""


def _parse(number: str, default_country: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, default_country)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def canonical_number(number: str, default_country: str) -> str:
    """The index key of a stored number: E.164 when it parses, else the trimmed text."""
    number = number.strip()
    parsed = _parse(number, default_country) if len(number) <= MAX_NUMBER_LENGTH else None
    if parsed is None:
        return number
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=4096)  # callers repeat; phonenumbers costs ~40 us a call
def number_candidates(number: str, default_country: str) -> tuple[str, ...]:
    """Every usual spelling of ``number``, canonical (E.164) first, without duplicates.

    For ``0123456789`` in FR: ``+33123456789``, ``0123456789``, ``01 23 45 67 89``,
    ``+33 1 23 45 67 89``, ``0033123456789``.  A number that does not parse gives
    only itself; an empty or over-long one gives nothing.
    """
    number = number.strip()
    if not number or len(number) > MAX_NUMBER_LENGTH:
        return ()
    parsed = _parse(number, default_country)
    if parsed is None:
        return (number,)
    e164 = phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    national = phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)
    forms = [
        e164,
        number,
        _digits(national),
        national,
        phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
        _dialled_from(default_country) + e164[1:],
    ]
    return tuple(dict.fromkeys(f for f in forms if f))


def _dialled_from(country: str) -> str:
    """The international call prefix of ``country`` (``00`` in FR, ``011`` in US)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(country)
    prefix = metadata.international_prefix if metadata else None
    return prefix if prefix and prefix.isdigit() else "00"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c == "+")
