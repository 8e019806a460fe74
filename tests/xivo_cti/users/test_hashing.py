"""Tests of password hashing and verification."""

from __future__ import annotations

import bcrypt

from xivo_cti.users._hashing import (
    UNKNOWN_USER_HASH,
    hash_password,
    is_password_hash,
    verify_password,
)


def test_argon2id_round_trip() -> None:
    """hash_password makes an argon2id hash that verifies only the right password."""
    stored = hash_password("s3cret")
    assert stored.startswith("$argon2id$") and is_password_hash(stored)
    assert verify_password(stored, "s3cret") and not verify_password(stored, "other")


def test_bcrypt_from_other_tools() -> None:
    """A $2b$ bcrypt hash made elsewhere is accepted and verified."""
    stored = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    assert is_password_hash(stored)
    assert verify_password(stored, "pw") and not verify_password(stored, "px")


def test_plaintext_is_not_a_hash() -> None:
    """Plaintext or broken hashes are not hashes and never verify."""
    assert not is_password_hash("secret")
    assert not verify_password("secret", "secret")
    assert not verify_password("$argon2id$garbage", "x")


def test_unknown_user_hash_costs_a_new_hash() -> None:
    """The hash unknown logins are checked against has the parameters of a new hash."""
    assert UNKNOWN_USER_HASH.startswith("$argon2id$v=19$m=7168,t=5,p=1$")
    assert hash_password("x").split("$")[3] == UNKNOWN_USER_HASH.split("$")[3]
    assert not verify_password(UNKNOWN_USER_HASH, "")
