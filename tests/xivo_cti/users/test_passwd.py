"""Tests of the xivo-ctid-passwd command."""

from __future__ import annotations

import io
import sys

from xivo_cti.users.hashing import verify_password
from xivo_cti.users.passwd import main


def test_prints_argon2id_hash(monkeypatch, capsys) -> None:
    """--stdin reads one line and prints an argon2id hash of it."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw123\n"))
    assert main(["--stdin"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("$argon2id$") and verify_password(out, "pw123")


def test_empty_password_refused(monkeypatch) -> None:
    """An empty password gives exit status 1."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    assert main(["--stdin"]) == 1
