"""Tests of the cache of verified passwords."""

from __future__ import annotations

import dataclasses

from tests.xivo_cti.conftest import sample_users
from xivo_cti.users._verifiers import VerifierCache


def users():
    alice, bob, _carol = sample_users()
    return alice, bob


def test_hit_only_for_the_verified_password() -> None:
    """A remembered password matches; another password or another user does not."""
    alice, bob = users()
    cache = VerifierCache(600, lambda login: False)
    cache.remember(alice, "alice-pw", now=0)
    assert cache.matches(alice, "alice-pw", now=1)
    assert not cache.matches(alice, "alice-pw ", now=1)
    assert not cache.matches(bob, "alice-pw", now=1)


def test_changed_hash_no_longer_matches_and_is_pruned() -> None:
    """A new stored hash (password changed) misses at once and prune drops the entry."""
    alice, _bob = users()
    cache = VerifierCache(600, lambda login: False)
    cache.remember(alice, "alice-pw", now=0)
    changed = dataclasses.replace(alice, password_hash=alice.password_hash[:-2] + "xx")
    assert not cache.matches(changed, "alice-pw", now=1)
    cache.prune(lambda login: changed)
    assert len(cache) == 0


def test_prune_drops_removed_users_keeps_unchanged() -> None:
    """prune keeps verifiers whose user is unchanged, drops those of removed users."""
    alice, bob = users()
    cache = VerifierCache(600, lambda login: False)
    cache.remember(alice, "alice-pw", now=0)
    cache.remember(bob, "bob-pw", now=0)
    cache.prune({"alice": alice}.get)
    assert len(cache) == 1 and cache.matches(alice, "alice-pw", now=1)


def test_expires_ttl_after_last_seen_online() -> None:
    """Kept while the user is online (sweep extends it), dropped ttl seconds after."""
    alice, _bob = users()
    online = {"alice"}
    cache = VerifierCache(600, lambda login: login in online)
    cache.remember(alice, "alice-pw", now=0)
    cache.sweep(now=5000)
    assert cache.matches(alice, "alice-pw", now=5000)
    online.clear()
    assert cache.matches(alice, "alice-pw", now=5599)
    assert not cache.matches(alice, "alice-pw", now=5600)
    cache.sweep(now=5600)
    assert len(cache) == 0


def test_ttl_zero_keeps_nothing() -> None:
    """With ttl 0 nothing is remembered."""
    alice, _bob = users()
    cache = VerifierCache(0, lambda login: True)
    cache.remember(alice, "alice-pw", now=0)
    assert len(cache) == 0 and not cache.matches(alice, "alice-pw", now=0)


def test_no_password_or_digest_in_repr() -> None:
    """Neither the cache's nor an entry's repr shows the password or its verifier."""
    alice, _bob = users()
    cache = VerifierCache(600, lambda login: False)
    cache.remember(alice, "alice-pw", now=0)
    (entry,) = cache._entries.values()
    for text in (repr(cache), repr(entry), str(cache)):
        assert "alice-pw" not in text and entry.digest.hex() not in text
        assert repr(entry.digest) not in text


def test_key_is_per_cache() -> None:
    """Two caches (two processes) make different verifiers of the same password."""
    alice, _bob = users()
    one, two = VerifierCache(600, bool), VerifierCache(600, bool)
    one.remember(alice, "alice-pw", now=0)
    two.remember(alice, "alice-pw", now=0)
    assert one._entries["alice"].digest != two._entries["alice"].digest


def test_dump_and_load_carry_the_verifiers_to_another_cache() -> None:
    """A cache loaded from another's dump matches what the other had verified (its key
    comes along), and nothing else."""
    alice, bob = users()
    before = VerifierCache(600, lambda login: False)
    before.remember(alice, "alice-pw", now=0)
    after = VerifierCache(600, lambda login: False)
    assert after.load(before.dump(now=10), now=20) == 1
    assert after.matches(alice, "alice-pw", now=30)
    assert not after.matches(alice, "wrong", now=30)
    assert not after.matches(bob, "bob-pw", now=30)


def test_load_keeps_the_ttl_from_the_dump_for_sessions_then_online() -> None:
    """A user online at the dump keeps a whole ttl from it (the restart ended the
    session); an expired verifier is not loaded; none lives past the new ttl."""
    alice, bob = users()
    online = {"alice"}
    before = VerifierCache(600, lambda login: login in online)
    before.remember(alice, "alice-pw", now=0)
    before.remember(bob, "bob-pw", now=0)
    data = before.dump(now=1000)  # alice online: 1600; bob offline since 0: 600
    after = VerifierCache(600, lambda login: False)
    assert after.load(data, now=1010) == 1
    assert after.matches(alice, "alice-pw", now=1599) and not after.matches(
        alice, "alice-pw", now=1600
    )
    shorter = VerifierCache(60, lambda login: False)
    assert shorter.load(data, now=1010) == 1
    assert shorter.matches(alice, "alice-pw", now=1069)
    assert not shorter.matches(alice, "alice-pw", now=1070)


def test_load_refuses_anything_else_and_keeps_the_cache() -> None:
    """Garbage, another format or a cache turned off raise ValueError and change nothing."""
    alice, _bob = users()
    cache = VerifierCache(600, lambda login: False)
    cache.remember(alice, "alice-pw", now=0)
    good = VerifierCache(600, lambda login: False).dump(now=0)
    for data in (
        b"",
        b"\xff",
        b"[]",
        b'{"format": 2}',
        good.replace(b'"entries": {', b'"entries": {"x": 1, '),
    ):
        try:
            cache.load(data, now=1)
        except ValueError:
            pass
        else:
            raise AssertionError(f"loaded {data!r}")
        assert cache.matches(alice, "alice-pw", now=1)
    off = VerifierCache(0, lambda login: False)
    try:
        off.load(good, now=1)
    except ValueError:
        pass
    else:
        raise AssertionError("a cache turned off loaded verifiers")
