"""Tests of the password-check service: bounds, fairness, cancellation, the verifier cache."""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry
from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from tests.xivo_cti.conftest import ManualRunner, bcrypt_hash, run_now, sample_users
from xivo_cti.cti._limits import AddressLimits
from xivo_cti.metrics import CtidMetrics
from xivo_cti.users._logins import BLOCKED, BUSY, LoginChecks, LoginRefused, fairness_key
from xivo_cti.users._store import UserStore
from xivo_cti.users._verifiers import VerifierCache


class Rig:
    """A LoginChecks over a Clock, sample users and a runner the test drives."""

    def __init__(self, *, in_flight=2, queue_size=100, max_failures=10, ttl=600.0, run=None):
        self.clock = Clock()
        self.registry = CollectorRegistry()
        self.users = UserStore(None, sample_users())  # type: ignore[arg-type]
        self.limits = AddressLimits(
            self.clock, max_connections=100, max_failures=max_failures, failure_window=60
        )
        self.online: set[str] = set()
        self.runner = run or ManualRunner()
        self.checks = LoginChecks(
            self.users, self.limits, self.clock, self.runner,
            cache=VerifierCache(ttl, lambda login: login in self.online),
            in_flight=in_flight, queue_size=queue_size, metrics=CtidMetrics(self.registry),
        )  # fmt: skip

    def reload(self, users: tuple) -> None:
        """A users reload: the new table, then the checks told of it."""
        self.users.replace(users)
        self.checks.users_changed()

    def counted(self, name: str, **labels: str) -> float | None:
        """A sample of the metrics the checks counted on."""
        return self.registry.get_sample_value(f"xivo_ctid_{name}_total", labels)

    def check(self, login: str, password: str, peer: str) -> list:
        """Start a check; the list gets its result (a user, None or a Failure)."""
        out: list = []
        self.checks.check(login, password, peer).addBoth(out.append)
        return out


def test_bounded_in_flight() -> None:
    """No more than ``in_flight`` checks run at once; each end starts the next."""
    rig = Rig(in_flight=2)
    results = [rig.check("bob", "x", f"10.0.0.{i}") for i in range(10)]
    assert len(rig.runner.waiting) == 2 and len(rig.checks.queue) == 8
    rig.runner.finish_one()
    assert len(rig.runner.waiting) == 2 and len(rig.checks.queue) == 7
    rig.runner.finish_all()
    assert rig.runner.calls == 10 and all(r == [None] for r in results)


def test_failures_counted_before_queueing() -> None:
    """50 parallel attempts from one address run only max_failures checks; the rest are
    refused as blocked without being queued."""
    rig = Rig(in_flight=2, max_failures=10)
    results = [rig.check("bob", f"guess{i}", "10.6.6.6") for i in range(50)]
    assert rig.runner.calls + len(rig.checks.queue) == 10
    refused = [r[0] for r in results if r and not isinstance(r[0], type(None))]
    assert len(refused) == 40 and all(f.value.reason == BLOCKED for f in refused)
    rig.runner.finish_all()
    assert rig.runner.calls == 10
    assert rig.limits.login_blocked("10.6.6.6")


def test_right_password_is_forgiven() -> None:
    """A successful check takes back the failure counted when it was queued."""
    rig = Rig(max_failures=2)
    rig.check("bob", "nope", "10.0.0.1")
    ok = rig.check("bob", "bob-pw", "10.0.0.1")
    rig.runner.finish_all()
    assert ok[0].login == "bob"
    assert not rig.limits.login_blocked("10.0.0.1")
    assert rig.check("bob", "nope", "10.0.0.1") == []  # one failure: still allowed


def test_cancelled_check_is_not_run() -> None:
    """A queued check whose client left is dropped: it never reaches the pool."""
    rig = Rig(in_flight=1)
    rig.check("bob", "x", "10.0.0.1")
    d = rig.checks.check("carol", "carol-pw", "10.0.0.2")
    out: list = []
    d.addErrback(out.append)
    d.cancel()
    assert len(rig.checks.queue) == 0 and out
    rig.runner.finish_all()
    assert rig.runner.calls == 1


def test_cancelled_while_running_is_ignored() -> None:
    """A check cancelled while running finishes in its thread; its result goes nowhere
    and the next queued check starts."""
    rig = Rig(in_flight=1)
    d = rig.checks.check("bob", "bob-pw", "10.0.0.1")
    d.addErrback(lambda f: None)
    later = rig.check("carol", "carol-pw", "10.0.0.2")
    d.cancel()
    rig.runner.finish_all()
    assert rig.runner.calls == 2 and later[0].login == "carol"


def test_legit_login_succeeds_while_attackers_fill_the_queue() -> None:
    """Attackers over five addresses keep the queue full; alice, from her own address,
    still gets a place and is served within one round of the addresses."""
    rig = Rig(in_flight=1, queue_size=20, max_failures=1000)
    for i in range(200):
        rig.check("bob", f"guess{i}", f"10.6.6.{i % 5}")
    assert len(rig.checks.queue) == 20
    alice = rig.check("alice", "alice-pw", "10.1.1.1")
    assert alice == [] and len(rig.checks.queue) == 20
    for _ in range(7):  # the running check, one per attacking address, hers
        rig.runner.finish_one()
        if alice:
            break
    assert alice and alice[0].login == "alice"


def test_full_queue_refuses_busy_and_forgives() -> None:
    """With every address at its share of a full queue a newcomer is told to retry, and
    that attempt is not counted as a failure."""
    rig = Rig(in_flight=1, queue_size=2, max_failures=1)
    for peer in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        rig.check("bob", "x", peer)
    refused = rig.check("bob", "x", "10.0.0.4")
    assert refused[0].value.reason == BUSY
    assert not rig.limits.login_blocked("10.0.0.4")  # one counted failure would block it


def test_evicted_check_is_refused_busy() -> None:
    """The check evicted for a newcomer is answered busy."""
    rig = Rig(in_flight=1, queue_size=2)
    rig.check("bob", "x", "10.0.0.1")
    first = rig.check("bob", "y", "10.0.0.2")
    second = rig.check("bob", "z", "10.0.0.2")
    newcomer = rig.check("alice", "alice-pw", "10.0.0.3")
    assert first == [] and newcomer == []
    assert second[0].value.reason == BUSY


def test_cache_hit_avoids_argon2() -> None:
    """After one verified login the same password is answered at once, without the pool;
    a wrong password still costs a full check."""
    rig = Rig()
    rig.check("alice", "alice-pw", "10.0.0.1")
    rig.runner.finish_all()
    assert rig.runner.calls == 1
    hit = rig.check("alice", "alice-pw", "10.0.0.2")
    assert hit[0].login == "alice" and rig.runner.calls == 1
    wrong = rig.check("alice", "alice-px", "10.0.0.2")
    rig.runner.finish_all()
    assert wrong == [None] and rig.runner.calls == 2


def test_queued_duplicates_are_answered_from_the_cache() -> None:
    """Clients of one user queued together cost one check: the others hit the cache
    when their turn comes."""
    rig = Rig(in_flight=1)
    results = [rig.check("alice", "alice-pw", f"10.0.0.{i}") for i in range(5)]
    rig.runner.finish_all()
    assert rig.runner.calls == 1 and all(r[0].login == "alice" for r in results)


def test_cache_dropped_on_password_change() -> None:
    """A users reload with a new hash for alice drops her verifier: the old password
    is checked (and refused) by the pool again."""
    rig = Rig(run=run_now)
    assert rig.check("alice", "alice-pw", "10.0.0.1")[0].login == "alice"
    assert len(rig.checks.cache) == 1
    alice, bob, carol = sample_users()
    changed = dataclasses.replace(alice, password_hash=bcrypt_hash("new-pw"))
    rig.reload((changed, bob, carol))
    assert len(rig.checks.cache) == 0
    assert rig.check("alice", "alice-pw", "10.0.0.1") == [None]
    assert rig.check("alice", "new-pw", "10.0.0.1")[0].login == "alice"


def test_verifier_expires_when_user_offline() -> None:
    """The sweep keeps an online user's verifier and drops it ttl after she left."""
    rig = Rig(ttl=120, run=run_now)
    rig.checks.startService()
    rig.check("alice", "alice-pw", "10.0.0.1")
    rig.online.add("alice")
    rig.clock.advance(3600)
    assert len(rig.checks.cache) == 1
    rig.online.clear()
    rig.clock.pump([60, 60, 60])
    assert len(rig.checks.cache) == 0
    rig.checks.stopService()
    assert not rig.clock.getDelayedCalls()


def test_stop_refuses_queued_checks() -> None:
    """Stopping the service answers every queued check busy."""
    rig = Rig(in_flight=1)
    rig.check("bob", "x", "10.0.0.1")
    queued = rig.check("bob", "x", "10.0.0.2")
    rig.checks.startService()
    rig.checks.stopService()
    assert isinstance(queued[0].value, LoginRefused) and len(rig.checks.queue) == 0


def test_error_in_check_is_passed_on() -> None:
    """A check that raises errbacks the caller's Deferred and frees its slot."""
    rig = Rig(in_flight=1)
    d: Deferred = rig.checks.check("bob", "x", "10.0.0.1")
    out: list = []
    d.addErrback(out.append)
    later = rig.check("carol", "carol-pw", "10.0.0.2")
    _fn, _args, pending = rig.runner.waiting.pop(0)
    pending.errback(RuntimeError("boom"))
    assert out[0].check(RuntimeError)
    rig.runner.finish_all()
    assert later[0].login == "carol"


def test_blocked_address_queues_nothing() -> None:
    """A blocked address is refused before anything is queued or run."""
    rig = Rig(max_failures=1)
    rig.limits.login_failed("10.6.6.6")
    out = rig.check("alice", "alice-pw", "10.6.6.6")
    assert out[0].value.reason == BLOCKED
    assert rig.runner.calls == 0 and len(rig.checks.queue) == 0


def test_reload_during_the_check_keeps_a_right_password() -> None:
    """A users reload while a check runs (same hash, new objects) still logs the user in;
    a hash changed meanwhile does not accept the password checked against the old one."""
    rig = Rig()
    same = rig.check("alice", "alice-pw", "10.0.0.1")
    rig.reload(tuple(dataclasses.replace(u) for u in rig.users.all()))
    rig.runner.finish_all()
    assert same[0].login == "alice" and same[0] is rig.users.get("alice")
    alice, bob, carol = rig.users.all()
    stale = rig.check("bob", "bob-pw", "10.0.0.2")
    rig.reload((alice, dataclasses.replace(bob, password_hash=bcrypt_hash("new")), carol))
    rig.runner.finish_all()
    assert stale == [None]


def test_an_ipv6_prefix_takes_one_turn() -> None:
    """Checks from many addresses of one IPv6 /64 share one turn: another client still
    comes second, and a full queue evicts from that /64."""
    rig = Rig(in_flight=1, queue_size=10, max_failures=100)
    for i in range(20):
        rig.check("bob", "x", f"2001:db8:0:1::{i + 1:x}")
    other = rig.check("carol", "carol-pw", "2001:db8:0:2::1")
    assert other == [] and len(rig.checks.queue) == 10
    for _ in range(3):  # the running check, the /64's turn, carol's
        rig.runner.finish_one()
    assert other[0].login == "carol"
    assert fairness_key("10.0.0.1") == "10.0.0.1" and fairness_key("unix") == "unix"
    assert fairness_key("2001:db8::1:2:3:4") == "2001:db8::/64"


def test_cache_hits_misses_and_dropped_checks_are_counted() -> None:
    """A check run in a thread is a miss, a login answered from the verifier a hit (at
    once or when its turn comes), a queued check whose client left a drop."""
    rig = Rig(in_flight=1)
    rig.check("bob", "bob-pw", "10.0.0.1")
    queued_twin = rig.check("bob", "bob-pw", "10.0.0.2")
    left = rig.checks.check("carol", "carol-pw", "10.0.0.3")
    left.addErrback(lambda f: None)
    left.cancel()
    rig.runner.finish_all()
    assert queued_twin[0].login == "bob"  # verified meanwhile: answered from the cache
    rig.check("bob", "bob-pw", "10.0.0.4")
    rig.check("bob", "wrong", "10.0.0.5")
    rig.runner.finish_all()
    assert rig.counted("login_verifier_cache", result="miss") == 2
    assert rig.counted("login_verifier_cache", result="hit") == 2
    assert rig.counted("password_checks_dropped") == 1
