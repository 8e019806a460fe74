"""Tests for xivo_agid.directory._lookup: priority, deadline, cancellation, cache."""

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.task import Clock

from xivo_agid.directory._cache import TTLCache
from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.directory._numbers import ANY, AS_DIALLED, E164, CallerNumber
from xivo_agid.metrics import AgidMetrics


class ManualSource:
    """A source whose lookups the test answers by hand."""

    def __init__(self, name):
        self.name = name
        self.pending = []
        self.cancelled = 0
        self.asked = []

    def lookup(self, candidates):
        self.asked.append(tuple(candidates))
        d = Deferred(lambda _: self._cancel())
        self.pending.append(d)
        return d

    def _cancel(self):
        self.cancelled += 1

    def answer(self, name):
        self.pending.pop(0).callback(Contact(name=name, source=self.name) if name else None)


class InstantSource:
    """A source that answers synchronously."""

    def __init__(self, name, result):
        self.name = name
        self.result = result
        self.calls = 0

    def lookup(self, candidates):
        self.calls += 1
        if isinstance(self.result, Exception):
            return fail(self.result)
        return succeed(self.result)


def number(text):
    return CallerNumber(text, "FR")


def make(*sources, timeout=0.5, source_timeout=10.0, ttl=60, size=100, formats=()):
    clock = Clock()
    formats = formats or [ANY] * len(sources)
    guarded = [
        GuardedSource(s, timeout=source_timeout, concurrency=10, clock=clock, number_format=f)
        for s, f in zip(sources, formats, strict=True)
    ]
    cache = TTLCache(ttl=ttl, size=size, clock=clock)
    service = ReverseLookupService(
        guarded, timeout=timeout, cache=cache, clock=clock, metrics=AgidMetrics()
    )
    return service, clock


def result_of(d):
    out = []
    d.addBoth(out.append)
    return out


def test_highest_priority_match_wins_over_the_fastest():
    """A faster match from a lower-priority source waits for the higher one."""
    first, second = ManualSource("crm"), ManualSource("phonebook")
    service, _clock = make(first, second)
    out = result_of(service.lookup(number("+33123456789")))
    second.answer("From Phonebook")
    assert out == []
    first.answer("From CRM")
    assert out == [Contact(name="From CRM", source="crm")]


def test_lower_priority_match_wins_when_higher_ones_miss():
    """When the first source says "no", the next source's match is the answer."""
    first, second = ManualSource("crm"), ManualSource("phonebook")
    service, _clock = make(first, second)
    out = result_of(service.lookup(number("1")))
    second.answer("From Phonebook")
    first.answer(None)
    assert out == [Contact(name="From Phonebook", source="phonebook")]


def test_first_source_match_cancels_the_others():
    """Once the top source matched, lookups still running are cancelled."""
    first, second = ManualSource("crm"), ManualSource("ldap")
    service, _clock = make(first, second)
    out = result_of(service.lookup(number("1")))
    first.answer("Alice")
    assert out[0].name == "Alice"
    assert second.cancelled == 1


def test_failing_source_counts_as_no_and_does_not_fail_others():
    """An error in one source leaves the other sources' answers usable."""
    broken = InstantSource("broken", RuntimeError("boom"))
    good = InstantSource("good", Contact(name="Bob", source="good"))
    service, _clock = make(broken, good)
    assert result_of(service.lookup(number("1"))) == [Contact(name="Bob", source="good")]


def test_deadline_gives_best_answer_so_far_and_cancels_the_rest():
    """At the deadline the best match received wins and unfinished sources are cancelled."""
    slow, fast = ManualSource("slow"), ManualSource("fast")
    service, clock = make(slow, fast, timeout=0.5)
    out = result_of(service.lookup(number("1")))
    fast.answer("Fast One")
    clock.advance(0.49)
    assert out == []
    clock.advance(0.01)
    assert out == [Contact(name="Fast One", source="fast")]
    assert slow.cancelled == 1


def test_source_that_never_answers_gives_none_at_the_deadline():
    """A hung source cannot hold the lookup past the deadline; the answer is None."""
    hung = ManualSource("hung")
    service, clock = make(hung, timeout=0.5)
    out = result_of(service.lookup(number("1")))
    clock.advance(0.5)
    assert out == [None]
    assert hung.cancelled == 1


def test_per_source_timeout_ends_that_source_early():
    """A source's own timeout makes it count as "no" before the whole deadline."""
    hung, second = ManualSource("hung"), ManualSource("second")
    service, clock = make(hung, second, timeout=0.5, source_timeout=0.2)
    out = result_of(service.lookup(number("1")))
    second.answer("Second")
    clock.advance(0.2)
    assert out == [Contact(name="Second", source="second")]


def test_hits_and_misses_are_cached_until_ttl():
    """A found contact and a "not found" are both served from the cache until the TTL."""
    source = InstantSource("pb", Contact(name="Alice", source="pb"))
    service, clock = make(source, ttl=60)
    assert result_of(service.lookup(number("1")))[0].name == "Alice"
    assert result_of(service.lookup(number("1")))[0].name == "Alice"
    assert source.calls == 1
    source.result = None
    assert result_of(service.lookup(number("2"))) == [None]
    assert result_of(service.lookup(number("2"))) == [None]
    assert source.calls == 2
    clock.advance(60)
    assert result_of(service.lookup(number("1"))) == [None]
    assert source.calls == 3


def test_incomplete_answers_are_not_cached():
    """An answer given while a source failed or timed out is not cached."""
    source = InstantSource("pb", RuntimeError("down"))
    service, _clock = make(source)
    assert result_of(service.lookup(number("1"))) == [None]
    source.result = Contact(name="Back", source="pb")
    assert result_of(service.lookup(number("1")))[0].name == "Back"


def test_cache_off_asks_every_time():
    """With a size 0 cache every lookup goes to the sources."""
    source = InstantSource("pb", None)
    service, _clock = make(source, size=0)
    service.lookup(number("1"))
    service.lookup(number("1"))
    assert source.calls == 2


def test_cancelling_the_lookup_cancels_sources_and_deadline():
    """Cancelling the caller's Deferred cancels every source and the deadline: when its
    time comes no timeout is counted, and no timer is left."""
    a, b = ManualSource("a"), ManualSource("b")
    service, clock = make(a, b)
    d = service.lookup(number("1"))
    d.addErrback(lambda f: None)
    d.cancel()
    assert (a.cancelled, b.cancelled) == (1, 1)
    clock.advance(0.5)
    assert not _sample(service, "xivo_agid_lookup_timeouts_total", {"source": "all"})
    assert clock.getDelayedCalls() == []


def test_no_sources_gives_none_at_once():
    """With no source to ask the answer is None at once."""
    empty, clock = make()
    assert result_of(empty.lookup(number("1"))) == [None]
    assert clock.getDelayedCalls() == []


def test_each_source_is_asked_for_the_spellings_of_its_number_format():
    """``any`` gets every usual spelling (E.164 first), ``e164`` the E.164 form only,
    ``as_dialled`` the caller ID as sent."""
    sources = [ManualSource("any"), ManualSource("e164"), ManualSource("as_dialled")]
    service, _clock = make(*sources, formats=[ANY, E164, AS_DIALLED])
    service.lookup(number("01 23 45 67 89"))
    [everything], [e164], [dialled] = (s.asked for s in sources)
    assert everything[0] == "+33123456789"
    assert {"0123456789", "01 23 45 67 89", "0033123456789"} <= set(everything)
    assert (e164, dialled) == (("+33123456789",), ("01 23 45 67 89",))


def test_the_cache_key_is_the_number_as_dialled():
    """Another spelling of a cached number is asked again: an ``as_dialled`` source's
    answer depends on the spelling."""
    source = InstantSource("pb", Contact(name="Alice", source="pb"))
    service, _clock = make(source, formats=[AS_DIALLED])
    assert result_of(service.lookup(number("0123456789")))[0].name == "Alice"
    source.result = None
    assert result_of(service.lookup(number("+33123456789"))) == [None]
    assert result_of(service.lookup(number("0123456789")))[0].name == "Alice"
    assert source.calls == 2


def _sample(service, name, labels=None):
    return service.metrics.registry.get_sample_value(name, labels or {}) or 0.0


def test_metrics_count_cache_latency_and_timeouts():
    """Misses then hits are counted; answers observe latency; deadlines count timeouts."""
    slow = ManualSource("metrics-slow")
    fast = InstantSource("metrics-fast", None)
    service, clock = make(fast, slow, timeout=0.5)
    result_of(service.lookup(number("+331")))
    clock.advance(0.5)
    assert _sample(service, "xivo_agid_cache_misses_total") == 1
    assert _sample(service, "xivo_agid_lookup_seconds_count", {"source": "metrics-fast"}) == 1
    assert _sample(service, "xivo_agid_lookup_timeouts_total", {"source": "metrics-slow"}) == 1
    assert _sample(service, "xivo_agid_lookup_timeouts_total", {"source": "all"}) == 1
    slow.pending.clear()
    fast.result = Contact(name="A", source="metrics-fast")
    service, clock = make(fast)
    result_of(service.lookup(number("+332")))
    result_of(service.lookup(number("+332")))
    assert _sample(service, "xivo_agid_cache_hits_total") == 1
