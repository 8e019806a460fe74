"""Tests of the xivo-ctid-passwd command."""

from __future__ import annotations

import io
import sys

import pytest

from xivo_cti.users._hashing import verify_password
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


def test_cost_options(monkeypatch, capsys) -> None:
    """--memory and --passes choose the argon2id cost written into the hash."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw123\n"))
    assert main(["--stdin", "--memory", "4096", "--passes", "2"]) == 0
    out = capsys.readouterr().out.strip()
    assert "$m=4096,t=2,p=1$" in out and verify_password(out, "pw123")


def test_default_cost_is_the_documented_one(monkeypatch, capsys) -> None:
    """Without options the hash carries hashing.COST (7 MiB, 5 passes, 1 lane)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw123\n"))
    assert main(["--stdin"]) == 0
    assert "$m=7168,t=5,p=1$" in capsys.readouterr().out


def test_too_little_memory_refused(monkeypatch) -> None:
    """argon2 needs at least 8 KiB: a smaller --memory is a usage error."""
    monkeypatch.setattr(sys, "stdin", io.StringIO("pw123\n"))
    with pytest.raises(SystemExit):
        main(["--stdin", "--memory", "4"])
