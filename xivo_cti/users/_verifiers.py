"""Verifiers of passwords already checked against their argon2 hash, kept in memory.

A verifier is HMAC-SHA256, under a random key made when the cache is built and never
stored or logged, of the user's stored hash and the password.  It is kept while the user
has a session and ``ttl`` seconds after (``sweep`` measures that); a changed stored hash
no longer matches and ``prune`` drops it.  A hit costs one HMAC instead of an argon2.
``dump`` and ``load`` carry the key and the verifiers to the next process (see
``_handoff.py``), each session counted as ending at the dump.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from xivo_cti.users._model import User

__all__ = ["VerifierCache"]

_FORMAT = 1


@dataclass(slots=True)
class _Entry:
    stored_hash: str = field(repr=False)
    digest: bytes = field(repr=False)
    expires: float


class VerifierCache:
    """Verifiers by login; ``ttl`` 0 keeps none."""

    def __init__(self, ttl: float, online: Callable[[str], bool]) -> None:
        self.ttl = ttl
        self._online = online
        self._key = secrets.token_bytes(32)
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<VerifierCache {len(self._entries)} entries>"

    def matches(self, user: User, password: str, now: float) -> bool:
        """True if ``password`` was verified for this hash of ``user`` and is still kept."""
        entry = self._entries.get(user.login)
        if entry is None or entry.stored_hash != user.password_hash:
            return False
        if now >= entry.expires and not self._online(user.login):
            return False
        return hmac.compare_digest(entry.digest, self._digest(user.password_hash, password))

    def remember(self, user: User, password: str, now: float) -> None:
        """Keep a verifier of ``password``, just verified against ``user``'s hash."""
        if self.ttl > 0:
            digest = self._digest(user.password_hash, password)
            self._entries[user.login] = _Entry(user.password_hash, digest, now + self.ttl)

    def prune(self, current: Callable[[str], User | None]) -> None:
        """Drop the verifiers of users removed or whose stored hash changed."""
        for login, entry in list(self._entries.items()):
            user = current(login)
            if user is None or user.password_hash != entry.stored_hash:
                del self._entries[login]

    def sweep(self, now: float) -> None:
        """Extend the verifiers of users online; drop those expired."""
        for login, entry in list(self._entries.items()):
            if self._online(login):
                entry.expires = now + self.ttl
            elif now >= entry.expires:
                del self._entries[login]

    def dump(self, now: float) -> bytes:
        """The key and the verifiers as bytes for the next process (secret: never written
        to disk nor logged)."""
        entries = {
            login: [
                e.stored_hash,
                e.digest.hex(),
                now + self.ttl if self._online(login) else e.expires,
            ]
            for login, e in self._entries.items()
        }
        return json.dumps({"format": _FORMAT, "key": self._key.hex(), "entries": entries}).encode()

    def load(self, data: bytes, now: float) -> int:
        """Take the key and the verifiers of ``dump`` (those not yet expired, none kept
        longer than ``ttl`` from ``now``); returns how many.  Raises ``ValueError`` on
        anything else (the cache is then left as it was)."""
        try:
            state = json.loads(data)
            if state["format"] != _FORMAT:
                raise ValueError(f"format {state['format']!r}")
            key = bytes.fromhex(state["key"])
            entries = {
                str(login): _Entry(
                    str(stored), bytes.fromhex(digest), min(float(expires), now + self.ttl)
                )
                for login, (stored, digest, expires) in state["entries"].items()
            }
        except (KeyError, TypeError, AttributeError, UnicodeDecodeError) as e:
            raise ValueError(f"not a verifier cache: {type(e).__name__}") from None
        if len(key) != len(self._key) or self.ttl <= 0:
            raise ValueError("not a verifier cache for this setting")
        self._key = key
        self._entries = {login: e for login, e in entries.items() if e.expires > now}
        return len(self._entries)

    def _digest(self, stored_hash: str, password: str) -> bytes:
        message = stored_hash.encode() + b"\0" + password.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).digest()
