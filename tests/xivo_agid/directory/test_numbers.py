"""Tests for xivo_agid.directory._numbers."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_agid.directory._numbers import (
    ANY,
    AS_DIALLED,
    E164,
    MAX_NUMBER_LENGTH,
    CallerNumber,
    _already_e164,
    caller_number,
    canonical_number,
    check_number_format,
    number_candidates,
)

FR_SPELLINGS = [
    "+33123456789",
    "+33 1 23 45 67 89",
    "0123456789",
    "01 23 45 67 89",
    "0033123456789",
]


@pytest.mark.parametrize("spelling", FR_SPELLINGS)
def test_every_french_spelling_gives_the_same_canonical_number(spelling):
    """All usual spellings of one FR number normalise to its E.164 form."""
    assert canonical_number(spelling, "FR") == "+33123456789"


@pytest.mark.parametrize("spelling", FR_SPELLINGS)
def test_candidates_cover_every_stored_spelling(spelling):
    """Whatever the caller's spelling, the candidates include every usual stored spelling."""
    candidates = number_candidates(spelling, "FR")
    assert candidates[0] == "+33123456789"
    assert set(FR_SPELLINGS) <= set(candidates)


def test_candidates_have_no_duplicates():
    """Each spelling is asked once."""
    candidates = number_candidates("0123456789", "FR")
    assert len(candidates) == len(set(candidates))


def test_default_country_decides_national_numbers():
    """A national number is read in the configured default country."""
    assert number_candidates("4155552671", "US")[0] == "+14155552671"
    assert canonical_number("02 555 12 34", "BE") == "+3225551234"


def test_unparseable_number_is_looked_up_as_it_is():
    """Text that is no phone number is still a candidate, trimmed."""
    assert number_candidates(" 1234 ", "FR") == ("1234",)
    assert number_candidates("anonymous", "FR") == ("anonymous",)
    assert canonical_number(" abc ", "FR") == "abc"


def test_empty_or_overlong_number_gives_no_candidate():
    """Nothing is looked up for an empty or absurdly long number."""
    assert number_candidates("", "FR") == ()
    assert number_candidates("1" * (MAX_NUMBER_LENGTH + 1), "FR") == ()


@given(st.text(max_size=60))
def test_candidates_never_fail(text):
    """Any text gives a tuple of non-empty strings, never an exception."""
    result = number_candidates(text, "FR")
    assert isinstance(result, tuple)
    assert all(isinstance(c, str) and c for c in result)
    assert isinstance(canonical_number(text, "FR"), str)


def _parsed_e164(number):
    """What phonenumbers makes of ``number``: its E.164 form, else the number itself."""
    try:
        parsed = phonenumbers.parse(number, "FR")
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(parsed):
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@given(
    st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)) | st.integers(0, 999),
    st.text(alphabet="0123456789", max_size=16),
)
def test_a_number_already_in_e164_is_kept_only_if_phonenumbers_keeps_it(code, rest):
    """The shortcut says "already E.164" only where parsing would give the text back."""
    number = f"+{code}{rest}"
    if _already_e164(number):
        assert _parsed_e164(number) == number
    assert canonical_number(number, "FR") == _parsed_e164(number)


@pytest.mark.parametrize(
    "number, shortcut",
    [
        ("+33123456789", True),
        ("+14155552671", True),
        ("+330123456789", False),  # the national prefix 0 after +33: parsed, then dropped
        ("+390612345678", False),  # Italy's leading zero: parsed
        ("+0033123456789", False),  # no country code: read again as 0033...
        ("+999123456", False),  # no country code: read again as a national number
        ("+33 1 23 45 67 89", False),
        ("+３３123456789", False),  # non-ASCII digits: phonenumbers normalises them
        ("0123456789", False),
    ],
)
def test_which_numbers_skip_the_parse(number, shortcut):
    """Plain ``+digits`` without a national prefix skip the parse; the rest are parsed."""
    assert _already_e164(number) is shortcut
    assert canonical_number(number, "FR") == _parsed_e164(number.strip())


def test_caller_number_is_spelt_for_each_number_format():
    """``any``: every spelling; ``e164``: the E.164 form; ``as_dialled``: the text as sent."""
    caller = caller_number(" 01 23 45 67 89 ", "FR")
    assert caller.spelt(AS_DIALLED) == ("01 23 45 67 89",)
    assert caller.spelt(E164) == ("+33123456789",)
    assert caller.spelt(ANY) == number_candidates("01 23 45 67 89", "FR")
    assert CallerNumber("anonymous", "FR").spelt(E164) == ("anonymous",)


def test_caller_number_of_an_empty_or_overlong_caller_id_is_none():
    """Nothing to look up: None."""
    assert caller_number("  ", "FR") is None
    assert caller_number("1" * (MAX_NUMBER_LENGTH + 1), "FR") is None


def test_number_format_is_checked():
    """Only the three formats are accepted."""
    for value in (ANY, E164, AS_DIALLED):
        check_number_format(value)
    with pytest.raises(ValueError, match="e164"):
        check_number_format("E.164")
