"""Personal contacts from the client: ``contact_infos`` checked, CSV read and written.

Every field is text of at most ``MAX_FIELD`` characters without control characters;
numbers hold only dialable characters, an email one ``@``.  CSV export is safe to open
in a spreadsheet: a value that would start a formula gets a leading ``'``, which import
removes again.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from xivo_cti.userdata import CONTACT_FIELDS, Contact

__all__ = ["MAX_FIELD", "ContactError", "CsvImport", "contact_from_infos", "export_csv",
           "import_csv"]  # fmt: skip

MAX_FIELD = 256
_NUMBERS = frozenset({"number", "mobile", "fax"})
_PHONE = re.compile(r"[0-9+*#(). /-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FORMULA = tuple("=+-@\t\r")
_SAFE_NUMBER = re.compile(r"[+-]?[0-9 ().-]*")


class ContactError(ValueError):
    """A contact was refused; the message says why (shown to the user)."""


def field_errors(values: Mapping[str, Any]) -> list[str]:
    """What is wrong with a contact's fields (empty: nothing)."""
    errors = [f"{name}: unknown field" for name in values if name not in CONTACT_FIELDS]
    for name in CONTACT_FIELDS:
        value = values.get(name, "")
        if not isinstance(value, str):
            errors.append(f"{name}: not text")
        elif len(value) > MAX_FIELD:
            errors.append(f"{name}: longer than {MAX_FIELD} characters")
        elif _CONTROL.search(value):
            errors.append(f"{name}: control characters")
        elif name in _NUMBERS and not _PHONE.fullmatch(value):
            errors.append(f"{name}: not a phone number")
        elif name == "email" and value and not _EMAIL.fullmatch(value):
            errors.append(f"{name}: not an email address")
    if not errors and not any(str(values.get(name, "")).strip() for name in CONTACT_FIELDS):
        errors.append("empty contact")
    return errors


def contact_from_infos(infos: Any, contact_id: str) -> Contact:
    """The contact the client's ``contact_infos`` describe; ``ContactError`` if wrong."""
    if not isinstance(infos, dict):
        raise ContactError("contact_infos: not a mapping")
    errors = field_errors(infos)
    if errors:
        raise ContactError("; ".join(errors))
    return Contact(id=contact_id, **{name: infos.get(name, "").strip() for name in CONTACT_FIELDS})


class CsvImport:
    """What a CSV file holds: the valid contacts' fields, and the errors by line."""

    def __init__(self) -> None:
        self.valid: list[dict[str, str]] = []
        self.failed: list[dict[str, Any]] = []

    def fail(self, line: int, *errors: str) -> None:
        """Record the errors of one line."""
        self.failed.append({"line": line, "errors": list(errors)})


def _unguarded(value: str) -> str:
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in _FORMULA else value


def import_csv(text: Any, max_rows: int) -> CsvImport:
    """Read a CSV file with a header row of ``CONTACT_FIELDS`` names; at most
    ``max_rows`` contacts are taken, later lines fail."""
    result = CsvImport()
    if not isinstance(text, str):
        result.fail(0, "csv_contacts: not text")
        return result
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = [name.strip().casefold() for name in next(reader, [])]
        unknown = [name for name in header if name not in CONTACT_FIELDS]
        if not header or unknown or len(set(header)) != len(header):
            result.fail(
                1, f"the first line must name the columns, from: {', '.join(CONTACT_FIELDS)}"
            )
            return result
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                result.fail(line, f"expected {len(header)} fields, got {len(row)}")
                continue
            values = {name: _unguarded(cell) for name, cell in zip(header, row, strict=True)}
            errors = field_errors(values)
            if errors:
                result.fail(line, *errors)
            elif len(result.valid) >= max_rows:
                result.fail(line, f"too many contacts (at most {max_rows} more)")
            else:
                result.valid.append({name: value.strip() for name, value in values.items()})
    except csv.Error as e:
        result.fail(reader.line_num, f"not CSV: {e}")
    return result


def _guarded(value: str) -> str:
    if value.startswith(_FORMULA) and not _SAFE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def export_csv(contacts: Iterable[Contact]) -> str:
    """The contacts as CSV with a header row, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CONTACT_FIELDS)
    for contact in contacts:
        writer.writerow([_guarded(value) for value in contact.values()])
    return out.getvalue()
