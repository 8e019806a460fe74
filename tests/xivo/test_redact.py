"""Tests of xivo.redact: secrets and connection-string passwords masked in any text."""

import pytest

from xivo.redact import MASK, dsn_secrets, redact

SENTINEL = "S3ntinel-pw"


@pytest.mark.parametrize(
    "dsn",
    [
        f"postgresql://xivo:{SENTINEL}@[::1/xivo",
        f"postgresql://xivo:{SENTINEL}@localhost/xivo",
        f"postgres://xivo:{SENTINEL}@db:5432/xivo?sslmode=require",
        f"dbname=xivo password={SENTINEL} host=db",
        f"dbname=xivo password = '{SENTINEL} x' host=db",
        f"host=db password='{SENTINEL}",
        f"postgresql:///xivo?password={SENTINEL}",
    ],
)
def test_connection_string_passwords_are_masked(dsn):
    """A password in a quoted connection string is masked, parsed or not; the rest stays."""
    text = redact(f'invalid dsn: missing "]" in URI: "{dsn}"')
    assert SENTINEL not in text and MASK in text and "invalid dsn" in text
    assert SENTINEL in "".join(dsn_secrets(dsn))


def test_given_secrets_are_masked_anywhere():
    """Each given secret is masked wherever it appears; empty secrets change nothing."""
    text = f"bind refused for {SENTINEL} (was {SENTINEL}!)"
    assert redact(text, ("", SENTINEL)) == f"bind refused for {MASK} (was {MASK}!)"
    assert redact("nothing secret here", ("",)) == "nothing secret here"


def test_percent_encoded_password_is_masked_in_both_forms():
    """A DSN whose password is percent-encoded yields it as written and as decoded."""
    secrets = dsn_secrets("postgresql://xivo:a%40b@localhost/xivo")
    assert {"a%40b", "a@b"} <= set(secrets)
    assert "a@b" not in redact("password was a@b", secrets)
