"""Password hashes: argon2id (made here) and bcrypt (accepted from other tools).

New hashes use OWASP's argon2id setting of 7 MiB, 5 passes, one lane (``COST``); a hash
keeps its own parameters, so older or stronger hashes still verify at their own cost.
Verification is deliberately slow (that is the point of these hashes): callers in the
reactor must run ``verify_password`` in a thread, never inline.

argon2id with one lane, in the encoding both libraries write, is computed by libsodium
(PyNaCl: its AVX2 / AVX-512 kernels, chosen at run time, take about 0.6x argon2-cffi's
CPU for the same hash); any other argon2id hash (several lanes, other fields) by
argon2-cffi.  Both release the GIL while they compute, so the check threads use every
core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import argon2
import bcrypt
import nacl.bindings
import nacl.exceptions

__all__ = [
    "COST",
    "UNKNOWN_USER_HASH",
    "Argon2Cost",
    "hash_password",
    "is_password_hash",
    "verify_password",
]


@dataclass(frozen=True, kw_only=True)
class Argon2Cost:
    """argon2id parameters: memory in KiB, passes, lanes."""

    memory_kib: int = 7168
    passes: int = 5
    lanes: int = 1


COST = Argon2Cost()

UNKNOWN_USER_HASH = (
    "$argon2id$v=19$m=7168,t=5,p=1$5O4TPctwZw03ZBSSPheSQQ"
    "$Ne3R87qyS65ewfwmCVveLxoMiFWacstO1xAiS5B+Qqw"
)
"""What an unknown login is checked against: the cost of a new hash (``COST``), matches
nothing anyone types (made once with ``xivo-ctid-passwd``, so nothing is hashed in the
reactor)."""

_verifier = argon2.PasswordHasher(type=argon2.Type.ID)
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
_SODIUM_HASH = re.compile(
    r"\$argon2id\$v=19\$m=[1-9][0-9]{0,9},t=[1-9][0-9]{0,9},p=1"
    r"\$[A-Za-z0-9+/]{11,64}\$[A-Za-z0-9+/]{22,86}"
)
"""The argon2id hashes libsodium verifies: one lane, version 1.3, salt of 8 bytes or more,
output of 16 or more, nothing else (at most 127 characters, its limit)."""


def hash_password(password: str, cost: Argon2Cost = COST) -> str:
    """Return an argon2id hash of ``password`` in the standard ``$argon2id$...`` encoding."""
    if cost.lanes == 1:
        return nacl.bindings.crypto_pwhash_str_alg(
            password.encode("utf-8"),
            cost.passes,
            cost.memory_kib * 1024,
            nacl.bindings.crypto_pwhash_ALG_ARGON2ID13,
        ).decode("ascii")
    hasher = argon2.PasswordHasher(
        time_cost=cost.passes,
        memory_cost=cost.memory_kib,
        parallelism=cost.lanes,
        type=argon2.Type.ID,
    )
    return hasher.hash(password)


def is_password_hash(value: str) -> bool:
    """True if ``value`` looks like an argon2id or bcrypt hash (not a plaintext password)."""
    if value.startswith("$argon2id$"):
        return value.count("$") >= 5
    if value.startswith(_BCRYPT_PREFIXES):
        return len(value) == 60
    return False


def verify_password(stored_hash: str, password: str) -> bool:
    """Check ``password`` against an argon2id or bcrypt hash (CPU-heavy; run it in a thread)."""
    if len(stored_hash) < 128 and _SODIUM_HASH.fullmatch(stored_hash):
        try:
            return nacl.bindings.crypto_pwhash_str_verify(
                stored_hash.encode("ascii"), password.encode("utf-8")
            )
        except (nacl.exceptions.InvalidkeyError, UnicodeEncodeError):
            return False
    if stored_hash.startswith("$argon2id$"):
        try:
            return _verifier.verify(stored_hash, password)
        except (
            argon2.exceptions.VerificationError,
            argon2.exceptions.InvalidHashError,
            UnicodeEncodeError,
        ):
            return False
    if stored_hash.startswith(_BCRYPT_PREFIXES):
        try:
            return bcrypt.checkpw(password.encode("utf-8"), stored_hash.encode("ascii"))
        except ValueError:
            return False
    return False
