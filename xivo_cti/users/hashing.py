"""Password hashes: argon2id (made here) and bcrypt (accepted from other tools).

Verification is deliberately slow (that is the point of these hashes): callers in the
reactor must run ``verify_password`` in a thread, never inline.
"""

from __future__ import annotations

import argon2
import bcrypt

__all__ = ["hash_password", "is_password_hash", "verify_password"]

_hasher = argon2.PasswordHasher(type=argon2.Type.ID)
_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password`` in the standard ``$argon2id$...`` encoding."""
    return _hasher.hash(password)


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
            return _hasher.verify(stored_hash, password)
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
