"""Tests for xivo_agid.directory._cache."""

from twisted.internet.task import Clock

from xivo_agid.directory._cache import TTLCache


def test_entry_expires_after_ttl():
    """A value is returned until its TTL passes, then it is gone."""
    clock = Clock()
    cache = TTLCache(ttl=10, size=5, clock=clock)
    cache.put("a", "Alice")
    clock.advance(9.9)
    assert cache.get("a") == "Alice"
    clock.advance(0.1)
    assert cache.get("a", "miss") == "miss"
    assert len(cache) == 0


def test_none_is_a_cached_value():
    """A cached "not found" (None) is told apart from a cache miss."""
    cache = TTLCache(ttl=10, size=5, clock=Clock())
    cache.put("a", None)
    assert cache.get("a", "miss") is None
    assert cache.get("b", "miss") == "miss"


def test_size_bound_evicts_oldest():
    """Past ``size`` entries the oldest written go first."""
    cache = TTLCache(ttl=10, size=2, clock=Clock())
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get("a", "miss") == "miss"
    assert cache.get("c") == 3


def test_zero_ttl_or_size_disables_the_cache():
    """With ttl 0 or size 0 nothing is kept."""
    for ttl, size in ((0, 10), (10, 0)):
        cache = TTLCache(ttl=ttl, size=size, clock=Clock())
        cache.put("a", 1)
        assert not cache.enabled
        assert cache.get("a", "miss") == "miss"


def test_clear_forgets_everything():
    """clear() empties the cache."""
    cache = TTLCache(ttl=10, size=2, clock=Clock())
    cache.put("a", 1)
    cache.clear()
    assert len(cache) == 0
