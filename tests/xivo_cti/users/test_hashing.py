"""Tests of password hashing and verification."""

from __future__ import annotations

import sys
import threading

import argon2
import bcrypt
import nacl.bindings
import pytest

from xivo_cti.users._hashing import (
    _SODIUM_HASH,
    UNKNOWN_USER_HASH,
    Argon2Cost,
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


FAST = Argon2Cost(memory_kib=64, passes=1)


def test_libsodium_and_argon2_cffi_verify_each_others_hashes() -> None:
    """A one-lane hash made by libsodium verifies with argon2-cffi and the other way
    round, both in the same encoding; wrong passwords fail either way."""
    by_sodium = hash_password("pässword", FAST)
    by_cffi = argon2.PasswordHasher(time_cost=1, memory_cost=64, parallelism=1).hash("pässword")
    assert by_sodium.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert _SODIUM_HASH.fullmatch(by_sodium) and _SODIUM_HASH.fullmatch(by_cffi)
    assert argon2.PasswordHasher().verify(by_sodium, "pässword")
    assert verify_password(by_cffi, "pässword")
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        argon2.PasswordHasher().verify(by_sodium, "password")
    assert not verify_password(by_cffi, "password")


def test_one_lane_hashes_go_to_libsodium(monkeypatch) -> None:
    """verify_password hands a one-lane argon2id hash to libsodium, not argon2-cffi."""
    stored = hash_password("pw", FAST)
    calls: list[bytes] = []
    real = nacl.bindings.crypto_pwhash_str_verify
    monkeypatch.setattr(
        nacl.bindings, "crypto_pwhash_str_verify", lambda h, p: calls.append(h) or real(h, p)
    )
    assert verify_password(stored, "pw") and not verify_password(stored, "px")
    assert calls == [stored.encode()] * 2


def test_several_lanes_go_to_argon2_cffi(monkeypatch) -> None:
    """A hash with p > 1 (libsodium computes one lane only) still verifies, by argon2-cffi."""
    stored = hash_password("pw", Argon2Cost(memory_kib=64, passes=1, lanes=2))
    assert stored.startswith("$argon2id$v=19$m=64,t=1,p=2$") and not _SODIUM_HASH.fullmatch(stored)
    monkeypatch.delattr(nacl.bindings, "crypto_pwhash_str_verify")
    assert verify_password(stored, "pw") and not verify_password(stored, "px")


def test_passwords_that_are_not_utf8_never_verify() -> None:
    """A lone surrogate (possible in a JSON string) is a wrong password, not an error."""
    for stored in (
        hash_password("pw", FAST),
        hash_password("pw", Argon2Cost(memory_kib=64, passes=1, lanes=2)),
    ):
        assert not verify_password(stored, "\ud800")


def test_verify_lets_other_threads_run() -> None:
    """libsodium computes without the GIL: with a switch interval far longer than a check,
    the main thread still runs while a check thread is inside the verify."""
    stored = hash_password("pw", Argon2Cost(memory_kib=32768, passes=3))
    started, seen = threading.Event(), []
    done = False

    def check() -> None:
        nonlocal done
        started.set()
        verify_password(stored, "pw")
        done = True

    interval = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    try:
        thread = threading.Thread(target=check)
        thread.start()
        started.wait()
        seen.append(done)
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert seen == [False] and done
