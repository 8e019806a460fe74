"""Tests of personal contacts' checks and CSV import/export."""

from __future__ import annotations

import csv
import io

import pytest

from xivo_cti.people import ContactError, contact_from_infos, export_csv, import_csv
from xivo_cti.userdata import Contact

INFOS = {"firstname": "Ann", "lastname": "Lee", "number": "+33 1 23 45 67 89",
         "mobile": "0612345678", "fax": "", "email": "ann@example.org",
         "company": "ACME"}  # fmt: skip


def test_the_clients_dialog_fields_make_a_contact():
    """The seven fields of the client's dialog, stripped."""
    contact = contact_from_infos({**INFOS, "firstname": " Ann "}, "id-1")
    assert contact == Contact(id="id-1", **INFOS)


@pytest.mark.parametrize(
    ("infos", "error"),
    [
        ("not a dict", "not a mapping"),
        ({"nickname": "x", "firstname": "A"}, "nickname: unknown field"),
        ({"firstname": 3}, "firstname: not text"),
        ({"firstname": "a" * 257}, "longer than 256"),
        ({"lastname": "Lee\r\nAction: Hangup"}, "control characters"),
        ({"number": "1234; rm -rf"}, "number: not a phone number"),
        ({"email": "not-an-address"}, "not an email address"),
        ({"firstname": " ", "number": ""}, "empty contact"),
    ],
)
def test_wrong_contacts_are_refused_with_the_reason(infos, error):
    """Each wrong contact says what is wrong."""
    with pytest.raises(ContactError, match=error):
        contact_from_infos(infos, "id")


def test_import_reads_valid_lines_and_reports_the_others_by_line():
    """Header in any case and order; a wrong line is reported, the others imported."""
    text = ("\ufeffLastName,firstname,number\r\n"
            "Lee,Ann,0123\r\n"
            "\r\n"
            "Bad,Bob,12ab\r\n"
            "Short,only\r\n"
            '"Quoted, Name",Carl,"+33 1"\r\n')  # fmt: skip
    found = import_csv(text, max_rows=10)
    assert found.valid == [
        {"lastname": "Lee", "firstname": "Ann", "number": "0123"},
        {"lastname": "Quoted, Name", "firstname": "Carl", "number": "+33 1"},
    ]
    assert found.failed == [
        {"line": 4, "errors": ["number: not a phone number"]},
        {"line": 5, "errors": ["expected 3 fields, got 2"]},
    ]


def test_import_refuses_an_unknown_header_and_bounds_the_rows():
    """An unknown column fails the file at line 1; rows past the room left fail."""
    assert import_csv("name,phone\nAnn,1\n", 10).failed[0]["line"] == 1
    assert import_csv(b"bytes", 10).failed == [{"line": 0, "errors": ["csv_contacts: not text"]}]
    found = import_csv("firstname\nA\nB\nC\n", max_rows=2)
    assert [v["firstname"] for v in found.valid] == ["A", "B"]
    assert found.failed == [{"line": 4, "errors": ["too many contacts (at most 2 more)"]}]


def test_export_is_csv_with_formulas_neutralised_and_reimports_the_same():
    """Cells that would start a formula get a quote, phone numbers do not; import undoes it."""
    contacts = [Contact(id="1", firstname='=HYPERLINK("http://x")', lastname="@SUM(A1)",
                        number="+33 1 23", mobile="-1234",
                        company='Quote "Co", Ltd')]  # fmt: skip
    text = export_csv(contacts)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["firstname", "lastname", "number", "mobile", "fax", "email", "company"]
    assert rows[1][:4] == ['\'=HYPERLINK("http://x")', "'@SUM(A1)", "+33 1 23", "-1234"]
    again = import_csv(text, 10)
    assert again.failed == []
    assert Contact(id="1", **again.valid[0]) == contacts[0]
