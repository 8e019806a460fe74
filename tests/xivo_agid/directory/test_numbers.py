"""Tests for xivo_agid.directory._numbers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_agid.directory._numbers import MAX_NUMBER_LENGTH, canonical_number, number_candidates

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
