"""Phone number normalisation: the formats a directory may have stored a number in.

A source says how its numbers are stored (``number_format``) and is asked only for the
spellings that can match there: ``any`` (every usual spelling: mixed data), ``e164``
(the E.164 form: one probe per column) or ``as_dialled`` (the caller ID exactly as
Asterisk sent it, no parsing at all).
"""

from __future__ import annotations

import functools
import re

import phonenumbers
from phonenumbers import PhoneNumberFormat

__all__ = [
    "ANY",
    "AS_DIALLED",
    "E164",
    "MAX_NUMBER_LENGTH",
    "NUMBER_FORMATS",
    "CallerNumber",
    "canonical_number",
    "caller_number",
    "check_number_format",
    "load_country",
    "number_candidates",
]

MAX_NUMBER_LENGTH = 40
"""Longer caller numbers are not looked up at all."""

ANY = "any"
E164 = "e164"
AS_DIALLED = "as_dialled"
NUMBER_FORMATS = (ANY, E164, AS_DIALLED)
"""How a source stores its numbers (``number_format``), hence what it is asked for."""


def check_number_format(value: str) -> None:
    """ValueError unless ``value`` is one of ``NUMBER_FORMATS``."""
    if value not in NUMBER_FORMATS:
        raise ValueError(f"expected one of {', '.join(NUMBER_FORMATS)}, got {value!r}")


def _parse(number: str, default_country: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(number, default_country)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def canonical_number(number: str, default_country: str) -> str:
    """The index key of a stored number: E.164 when it parses, else the trimmed text."""
    number = number.strip()
    if _already_e164(number):
        return number
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


def _already_e164(number: str) -> bool:
    """Whether ``number`` is ``+`` and ASCII digits that ``phonenumbers`` would give back
    unchanged as E.164, decided without parsing it (a fifth of the cost).

    ``parse`` changes such a number by taking a national prefix off what follows the
    country code (``+330123456789``), by reading leading zeros there, or by reading it
    again without the ``+`` when no country code starts it (``+0033...``); a number it
    cannot parse is kept as it is.  So: a known country code, then a first digit other
    than 0 that the country's national prefix pattern does not match; anything else
    goes through ``phonenumbers``.
    """
    digits = number[1:]
    if number[:1] != "+" or not (digits.isdigit() and digits.isascii()) or digits[0] == "0":
        return False
    for size in (1, 2, 3):
        prefix = _NATIONAL_PREFIXES.get(digits[:size], _UNKNOWN)
        if prefix is _UNKNOWN:
            continue
        national = digits[size:]
        if not national or national[0] == "0":
            return False
        if prefix is None:  # first sight of this country code
            prefix = _NATIONAL_PREFIXES[digits[:size]] = _national_prefix(int(digits[:size]))
        return prefix.match(national) is None
    return False  # no country code: phonenumbers retries without the +


_UNKNOWN = object()
_NO_PREFIX = re.compile("(?!)")
"""The pattern of a country without a national prefix for parsing: never matches."""
_NATIONAL_PREFIXES: dict[str, re.Pattern[str] | None] = dict.fromkeys(
    map(str, phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
)
"""Country code -> its national prefix pattern for parsing, compiled on first use."""


def _national_prefix(code: int) -> re.Pattern[str]:
    region = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code][0]
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(code, region)
    prefix = metadata.national_prefix_for_parsing if metadata is not None else None
    return re.compile(prefix) if prefix else _NO_PREFIX


def load_country(country: str) -> None:
    """Load ``country``'s numbering data now (start-up, reload): ``phonenumbers`` reads
    a region's on its first number from there, a few milliseconds of that call."""
    code = phonenumbers.country_code_for_region(country)
    if code:
        _NATIONAL_PREFIXES[str(code)] = _national_prefix(code)


def _dialled_from(country: str) -> str:
    """The international call prefix of ``country`` (``00`` in FR, ``011`` in US)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(country)
    prefix = metadata.international_prefix if metadata else None
    return prefix if prefix and prefix.isdigit() else "00"


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit() or c == "+")


class CallerNumber:
    """A caller's number as Asterisk sent it; its other spellings are worked out (with
    ``phonenumbers``, the costly part of a lookup) only when a source asks for them."""

    __slots__ = ("dialled", "country", "_e164", "_spellings")

    def __init__(self, dialled: str, country: str) -> None:
        self.dialled = dialled
        self.country = country
        self._e164: str | None = None
        self._spellings: tuple[str, ...] | None = None

    def __repr__(self) -> str:
        return f"CallerNumber({self.dialled!r}, {self.country!r})"

    @property
    def e164(self) -> str:
        """The E.164 form, or the number itself if it does not parse."""
        if self._e164 is None:
            spellings = self._spellings
            self._e164 = spellings[0] if spellings else canonical_number(self.dialled, self.country)
        return self._e164

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every usual spelling (``number_candidates``), E.164 first."""
        if self._spellings is None:
            self._spellings = number_candidates(self.dialled, self.country)
        return self._spellings

    def spelt(self, number_format: str) -> tuple[str, ...]:
        """What a source storing its numbers in ``number_format`` is asked for."""
        if number_format == E164:
            return (self.e164,)
        if number_format == AS_DIALLED:
            return (self.dialled,)
        return self.spellings


def caller_number(number: str, default_country: str) -> CallerNumber | None:
    """``number`` (a caller ID) to look up, or None if empty or over ``MAX_NUMBER_LENGTH``."""
    number = number.strip()
    if not number or len(number) > MAX_NUMBER_LENGTH:
        return None
    return CallerNumber(number, default_country)
