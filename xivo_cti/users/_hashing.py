"""Password hashes: argon2id (made here) and bcrypt (accepted from other tools).

New hashes use OWASP's argon2id setting of 7 MiB, 5 passes, one lane (``COST``); a hash
keeps its own parameters, so older or stronger hashes still verify at their own cost.
Verification is deliberately slow (that is the point of these hashes): callers in the
reactor must run ``verify_password`` in a thread, never inline.
"""

from __future__ import annotations

from dataclasses import dataclass

import argon2
import bcrypt

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


def hash_password(password: str, cost: Argon2Cost = COST) -> str:
    """Return an argon2id hash of ``password`` in the standard ``$argon2id$...`` encoding."""
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
    if stored_hash.startswith("$argon2id$"):
        try:
            return _verifier.verify(stored_hash, password)
        except argon2.exceptions.VerificationError:
            return False
        except argon2.exceptions.InvalidHashError:
            return False
    if stored_hash.startswith(_BCRYPT_PREFIXES):
        try:
            return bcrypt.checkpw(password.encode("utf-8"), stored_hash.encode("ascii"))
        except ValueError:
            return False
    return False
