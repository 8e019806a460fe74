"""Tests of users file validation."""

from __future__ import annotations

import pytest

from xivo.config import ConfigError
from xivo_cti.users._hashing import hash_password
from xivo_cti.users._loader import parse_users_text

HASH = hash_password("x")


def test_list_of_users() -> None:
    """A plain list of users loads with ids by position and profiles resolved."""
    (user,) = parse_users_text(
        f'- {{login: alice, password_hash: "{HASH}", line: PJSIP/alice, extension: 2001,'
        " profile: agent}",
        "f",
    )
    assert user.id == "1" and user.extension == "2001" and user.profile.name == "agent"


def test_plaintext_password_refused() -> None:
    """A plaintext password in the file is refused with a message naming the key."""
    with pytest.raises(ConfigError, match=r"users\[0\].password_hash: .*plaintext"):
        parse_users_text("- {login: a, password_hash: secret, line: PJSIP/a, extension: 1}", "f")


def test_custom_profile_and_errors() -> None:
    """Custom profiles are usable; unknown profile and duplicate logins are errors."""
    text = f"""
profiles:
  watcher: {{lists: [phones], commands: []}}
users:
  - {{login: a, password_hash: "{HASH}", line: Custom:a, extension: "1", profile: watcher}}
"""
    (user,) = parse_users_text(text, "f")
    assert user.profile.lists == frozenset({"phones"})
    with pytest.raises(ConfigError, match="unknown profile"):
        parse_users_text(text.replace("profile: watcher", "profile: boss"), "f")
    with pytest.raises(ConfigError, match="line"):
        parse_users_text(text.replace("Custom:a", "bad line\\nx"), "f")


def test_ipbx_of_a_user() -> None:
    """A user's ``ipbx`` names the Asterisk of its line (empty: the default one); a value
    that cannot name an ipbx is refused naming the key."""
    record = f'{{login: a, password_hash: "{HASH}", line: Custom:a, extension: "1"}}'
    (default,) = parse_users_text(f"- {record}", "f")
    assert default.ipbx == ""
    (user,) = parse_users_text(f"- {record[:-1]}, ipbx: lyon}}", "f")
    assert user.ipbx == "lyon"
    with pytest.raises(ConfigError, match=r"users\[0\]\.ipbx: an ipbx id is"):
        parse_users_text(f"- {record[:-1]}, ipbx: a.b}}", "f")


@pytest.mark.parametrize("key", ["login", "line", "extension", "fullname", "ipbx"])
def test_a_trailing_newline_is_refused(key: str) -> None:
    """Every checked value is matched whole: a trailing newline is refused, not let
    through by ``$`` (it would reach AMI headers such as CallerID)."""
    record = {"login": "alice", "line": "PJSIP/alice", "extension": "2001", "fullname": "A",
              "ipbx": "paris"}  # fmt: skip
    record[key] += "\n"
    fields = ", ".join(f"{k}: {v!r}".replace("'", '"') for k, v in record.items())
    with pytest.raises(ConfigError):
        parse_users_text(f'- {{{fields}, password_hash: "{HASH}"}}', "f")
