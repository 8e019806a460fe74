"""Tests of the contacts panel's columns and rows."""

from __future__ import annotations

from tests.xivo_cti.conftest import sample_users
from xivo_cti.people import COLUMNS, headers_message, user_relations
from xivo_cti.people._rows import colleague_row, contact_row
from xivo_cti.userdata import Contact
from xivo_cti.views import numeric_id


def test_headers_are_parallel_and_include_the_types_the_client_acts_on():
    """Names and types of the same length; name, number, favorite and personal present."""
    message = headers_message()
    assert len(message["column_headers"]) == len(message["column_types"]) == len(COLUMNS)
    assert {"name", "number", "agent", "favorite", "personal"} <= set(message["column_types"])


def test_colleague_rows_carry_the_ids_registered_for_status():
    """user_uuid (presence) and endpoint_id (phone) are the user's id; values by column."""
    alice = sample_users()[0]
    row = colleague_row(alice, "xivo", favorite=True)
    assert row["source"] == "internal"
    assert row["relations"] == user_relations(alice, "xivo") == {
        "xivo_id": "xivo", "user_id": 1, "user_uuid": "1", "endpoint_id": 1, "agent_id": 0,
        "source_entry_id": "1"}  # fmt: skip
    types = [kind for _, kind in COLUMNS]
    values = dict(zip(types, row["column_values"], strict=True))
    assert values["name"] == "alice" and values["number"] == "2001"
    assert values["favorite"] is True and values["personal"] is False


def test_contact_rows_have_no_live_ids():
    """A personal contact: source personal, its id, no user/endpoint/agent."""
    row = contact_row(Contact(id="c1", lastname="Lee", number="0612"), "xivo", favorite=False)
    assert row["source"] == "personal"
    assert row["relations"]["source_entry_id"] == "c1"
    assert (row["relations"]["user_id"], row["relations"]["endpoint_id"]) == (0, 0)
    values = dict(zip([kind for _, kind in COLUMNS], row["column_values"], strict=True))
    assert (values["name"], values["number"], values["personal"]) == ("Lee", "0612", True)


def test_numeric_ids():
    """Digits are an int; anything else 0 (none)."""
    assert (numeric_id("42"), numeric_id("u-1"), numeric_id("٣"), numeric_id("9" * 30)) == (
        42,
        0,
        0,
        0,
    )
