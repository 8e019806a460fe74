"""Password checks of CTI logins: bounded, fair between addresses, cancelled with their client.

``check`` answers at once from the ``VerifierCache`` when the password was verified
recently; otherwise the attempt is counted as a failure of its address *before* it is
queued (and forgiven if the password is right), so a blocked address queues nothing.
Queued checks wait in a ``FairQueue`` (round-robin by address, an IPv6 /64 counting as
one; bounded); at most
``in_flight`` run at once in the ``CheckPool``'s threads.  Cancelling the returned
Deferred (the client left) takes a queued check out of the queue: it never runs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from xivo_cti.metrics import CtidMetrics
from xivo_cti.users._fairqueue import FairQueue, QueueFull
from xivo_cti.users._hashing import UNKNOWN_USER_HASH, verify_password
from xivo_cti.users._model import User
from xivo_cti.users._store import RunInThread, UserStore
from xivo_cti.users._verifiers import VerifierCache

__all__ = ["LoginChecks", "LoginRefused"]


class LoginRefused(Exception):
    """The check was not made, for ``reason`` (``BLOCKED`` or ``BUSY``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


BLOCKED = "too many failed logins"
BUSY = "too many logins at once"


@dataclass(eq=False)
class _Check:
    login: str
    password: str = field(repr=False)
    peer: str
    stamp: float
    result: Deferred = field(repr=False)


class LoginChecks(Service):
    """Checks passwords for the CTI sessions; ``limits`` is the ``AddressLimits``; counts
    cache hits and misses and checks dropped on ``metrics``."""

    def __init__(
        self,
        users: UserStore,
        limits: Any,
        clock: Any,
        run: RunInThread,
        *,
        cache: VerifierCache,
        in_flight: int,
        queue_size: int,
        metrics: CtidMetrics,
    ) -> None:
        self._users = users
        self._limits = limits
        self._clock = clock
        self._run = run
        self.cache = cache
        self.in_flight = in_flight
        self.running_checks = 0
        self.queue: FairQueue[_Check] = FairQueue(queue_size)
        self._dropped_checks = metrics.password_checks_dropped
        self._hits = metrics.login_verifier_cache.labels("hit")
        self._misses = metrics.login_verifier_cache.labels("miss")
        self._sweeper = LoopingCall(self._sweep)
        self._sweeper.clock = clock

    def startService(self) -> None:
        """Start dropping expired verifiers."""
        super().startService()
        if self.cache.ttl > 0:
            self._sweeper.start(min(60.0, self.cache.ttl), now=False)

    def stopService(self) -> None:
        """Stop the sweeps and refuse what is still queued."""
        super().stopService()
        if self._sweeper.running:
            self._sweeper.stop()
        while (check := self.queue.pop()) is not None:
            self._refuse(check, BUSY)

    def check(self, login: str, password: str, peer: str) -> Deferred[User | None]:
        """The user if ``password`` is right, else None; errbacks ``LoginRefused``."""
        if self._limits.login_blocked(peer):
            return _refused(BLOCKED)
        user = self._users.get(login)
        if user is not None and self.cache.matches(user, password, self._clock.seconds()):
            self._hits.inc()
            d: Deferred[User | None] = Deferred()
            d.callback(user)
            return d
        stamp = self._limits.login_failed(peer)
        check = _Check(login, password, peer, stamp, Deferred(lambda _: self._dropped(check)))
        try:
            evicted = self.queue.push(fairness_key(peer), check)
        except QueueFull:
            self._limits.login_forgiven(peer, stamp)
            return _refused(BUSY)
        if evicted is not None:
            self._refuse(evicted, BUSY)
        self._next()
        return check.result

    def _dropped(self, check: _Check) -> None:
        """The client left: a queued check is not run (one running is let finish)."""
        if self.queue.remove(fairness_key(check.peer), check):
            self._dropped_checks.inc()

    def _next(self) -> None:
        while self.running_checks < self.in_flight:
            check = self.queue.pop()
            if check is None:
                return
            user = self._users.get(check.login)
            now = self._clock.seconds()
            if user is not None and self.cache.matches(user, check.password, now):
                self._hits.inc()
                self._succeeded(check, user)
                continue
            stored = user.password_hash if user is not None else UNKNOWN_USER_HASH
            self._misses.inc()
            self.running_checks += 1
            d = self._run(verify_password, stored, check.password)
            d.addBoth(self._verified, check, stored)

    def _verified(self, ok: bool | Failure, check: _Check, stored: str) -> None:
        self.running_checks -= 1
        user = self._users.get(check.login)  # a reload may have replaced it meanwhile
        if not check.result.called:
            if isinstance(ok, Failure):
                check.result.errback(ok)
            elif ok is True and user is not None and user.password_hash == stored:
                self.cache.remember(user, check.password, self._clock.seconds())
                self._succeeded(check, user)
            else:
                check.result.callback(None)
        self._next()

    def _succeeded(self, check: _Check, user: User) -> None:
        self._limits.login_forgiven(check.peer, check.stamp)
        if not check.result.called:
            check.result.callback(user)

    def _refuse(self, check: _Check, reason: str) -> None:
        self._limits.login_forgiven(check.peer, check.stamp)
        check.result.errback(LoginRefused(reason))

    def users_changed(self) -> None:
        """A new table of users: verifiers of users gone or changed are dropped."""
        self.cache.prune(self._users.get)

    def _sweep(self) -> None:
        self.cache.sweep(self._clock.seconds())


def fairness_key(peer: str) -> str:
    """Whose turn a check is: the IPv4 address, or the /64 of an IPv6 one (one host may
    hold a whole /64)."""
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return peer


def _refused(reason: str) -> Deferred[User | None]:
    d: Deferred[User | None] = Deferred()
    d.errback(LoginRefused(reason))
    return d
