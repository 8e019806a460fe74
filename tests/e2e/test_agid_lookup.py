"""Calls through the real Asterisk dialplan get their caller name from xivo-agid (CSV)."""

from __future__ import annotations

import csv

import pytest
import pytest_twisted

from testing.calls import AgidProcess, CallTracker

pytestmark = pytest.mark.e2e

EVIL_FIRST = 'Eve "The Hacker" \\'
EVIL_LAST = "Martin\nEXEC Set(XIVO_INJECTED=1)"


def _agid(tmp_path) -> AgidProcess:
    phonebook = tmp_path / "phonebook.csv"
    with phonebook.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["firstname", "lastname", "number", "mobile"])
        writer.writerow(["Alice", "Martin", "01 23 45 67 89", "06 12 34 56 78"])
        writer.writerow([EVIL_FIRST, EVIL_LAST, "01 98 76 54 32", ""])
    config = {
        "default_country": "FR",
        "reverse_lookup": {"timeout": 0.5, "sources": ["phonebook"]},
        "sources": {
            "phonebook": {
                "type": "csv",
                "file": str(phonebook),
                "first_matched_columns": ["number", "mobile"],
                "format_columns": {"reverse": "{firstname} {lastname}"},
            }
        },
    }
    return AgidProcess(tmp_path, config)


async def _with_agid(tmp_path, asterisk, scenario):
    agid = _agid(tmp_path)
    await agid.start()
    tracker = await CallTracker.connect(asterisk)
    try:
        await scenario(agid, tracker)
    finally:
        tracker.close()
        await agid.stop()
    assert agid.errors() == []


@pytest_twisted.ensureDeferred
async def test_known_number_gets_name(tmp_path, asterisk):
    """A call from a number in the directory gets the contact's name by one SET VARIABLE,
    and nothing else: the number is kept, the source is not asked for."""

    async def scenario(agid, tracker):
        exten = tracker.originate(agid.port, "<+33123456789>")
        outcome = await tracker.outcome(exten)
        assert outcome == {
            "XIVO_RESULT_NAME": "Alice Martin",
            "XIVO_RESULT_NUM": "+33123456789",
            "AGISTATUS_SEEN": "SUCCESS",
        }
        assert tracker.commands[exten] == ['SET VARIABLE "CALLERID(name)" "Alice Martin"']

    await _with_agid(tmp_path, asterisk, scenario)


@pytest_twisted.ensureDeferred
async def test_the_source_asked_for_is_set_with_the_name(tmp_path, asterisk):
    """``callerid_lookup,XIVO_DIRECTORY_SOURCE`` (the dialplan asks for the source): one
    EXEC MSet sets the name and the source's name; an unknown number sets neither."""

    async def scenario(agid, tracker):
        exten = tracker.originate(agid.port, "<+33123456789>", context="incoming_source")
        outcome = await tracker.outcome(exten)
        assert outcome == {
            "XIVO_RESULT_SOURCE": "phonebook",
            "XIVO_RESULT_NAME": "Alice Martin",
            "XIVO_RESULT_NUM": "+33123456789",
            "AGISTATUS_SEEN": "SUCCESS",
        }
        assert [c.split(" ", 2)[:2] for c in tracker.commands[exten]] == [["EXEC", '"MSet"']]
        unknown = await tracker.call(agid.port, "<+33155555555>", context="incoming_source")
        assert unknown["XIVO_RESULT_SOURCE"] == unknown["XIVO_RESULT_NAME"] == ""
        assert unknown["AGISTATUS_SEEN"] == "SUCCESS"

    await _with_agid(tmp_path, asterisk, scenario)


@pytest.mark.parametrize(
    "number", ["0123456789", "01 23 45 67 89", "0033123456789", "+33 1 23 45 67 89", "0612345678"]
)
@pytest_twisted.ensureDeferred
async def test_other_formats_get_name(tmp_path, asterisk, number):
    """National, spaced, 00-prefixed and mobile spellings of a contact's number are named."""

    async def scenario(agid, tracker):
        outcome = await tracker.call(agid.port, "", number=number)
        assert outcome["XIVO_RESULT_NAME"] == "Alice Martin"
        assert outcome["XIVO_RESULT_NUM"] == number

    await _with_agid(tmp_path, asterisk, scenario)


@pytest_twisted.ensureDeferred
async def test_unknown_number_keeps_callerid(tmp_path, asterisk):
    """A number that no directory knows keeps its caller ID (no name, same number)."""

    async def scenario(agid, tracker):
        outcome = await tracker.call(agid.port, "<+33155555555>")
        assert outcome == {
            "XIVO_RESULT_NAME": "",
            "XIVO_RESULT_NUM": "+33155555555",
            "AGISTATUS_SEEN": "SUCCESS",
        }

    await _with_agid(tmp_path, asterisk, scenario)


@pytest_twisted.ensureDeferred
async def test_existing_name_is_kept(tmp_path, asterisk):
    """A caller that already has a real name keeps it even when the directory knows the number."""

    async def scenario(agid, tracker):
        outcome = await tracker.call(agid.port, '"Reception Desk" <+33123456789>')
        assert outcome["XIVO_RESULT_NAME"] == "Reception Desk"
        assert outcome["AGISTATUS_SEEN"] == "SUCCESS"

    await _with_agid(tmp_path, asterisk, scenario)


@pytest_twisted.ensureDeferred
async def test_hostile_name_is_made_safe(tmp_path, asterisk):
    """Quotes, a backslash and a newline in a name give a safe name and no other AGI command."""

    async def scenario(agid, tracker):
        exten = tracker.originate(agid.port, "<+33198765432>")
        outcome = await tracker.outcome(exten)
        name = outcome["XIVO_RESULT_NAME"]
        assert outcome["AGISTATUS_SEEN"] == "SUCCESS"
        assert outcome["XIVO_RESULT_NUM"] == "+33198765432"
        # LF became a space; AMI's VarSet shows quotes and backslashes escaped (as it did
        # when the name went by SET VARIABLE).
        assert name == r"Eve \"The Hacker\" \\ Martin EXEC Set(XIVO_INJECTED=1)"
        commands = tracker.commands[exten]
        assert commands, "xivo-agid ran no AGI command"
        # One SET VARIABLE sets the name: no application, no HANGUP.
        assert len(commands) == 1 and commands[0].startswith("SET VARIABLE "), commands
        assert "XIVO_INJECTED" not in tracker.variables[exten]

    await _with_agid(tmp_path, asterisk, scenario)
