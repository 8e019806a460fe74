"""``wire_cti``: the CTI half of xivo-ctid wired over given parts (state, users, Asterisk,
clock, metrics), as ``CtidApp`` and the benchmarks use it; ``CTIParts`` is what it returns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime

from xivo.passes import PassBudget, PassQueue
from xivo_cti._feed import Feed
from xivo_cti.commands import Asterisk, CommandContext, CommandRate, Commands
from xivo_cti.cti import AddressLimits, CTIConfig, CTIContext, encode, tls_options
from xivo_cti.delivery import Broadcaster
from xivo_cti.history import HistoryRecording
from xivo_cti.metrics import CtidMetrics, bind_gauge
from xivo_cti.people import People
from xivo_cti.state import LiveState
from xivo_cti.userdata import UserData
from xivo_cti.users import (
    LoginChecks,
    RunInThread,
    StatusBatch,
    StatusChanged,
    User,
    UserStatusBook,
    UserStore,
    VerifierCache,
    default_size,
)
from xivo_cti.views import ListView, PushView, StatusWatches

__all__ = ["CTIParts", "wire_cti"]


@dataclass(frozen=True, kw_only=True)
class CTIParts:
    """The CTI half: the feed events enter by, and what sessions share (its ``logins``
    service runs the password checks); ``people`` and ``history`` follow the users."""

    feed: Feed
    ctx: CTIContext
    people: People | None = None
    history: HistoryRecording | None = None

    def users_replaced(self, table: Sequence[User]) -> None:
        """A new table of users is in place: the pushes' indexes, the verifier cache, the
        people search's index and the lines the history follows are brought up to date."""
        self.feed.users_reloaded()
        self.ctx.logins.users_changed()
        if self.people is not None:
            self.people.index.replace(table)
        if self.history is not None:
            self.history.users_changed(table)


def wire_cti(
    config: CTIConfig,
    *,
    states: Mapping[str, LiveState],
    users: UserStore,
    asterisks: Mapping[str, Asterisk],
    clock: IReactorTime,
    metrics: CtidMetrics,
    run_check: RunInThread,
    people: People | None = None,
    userdata: UserData | None = None,
    calls: bool = False,
    presence: StatusChanged | None = None,
) -> CTIParts:
    """Views, delivery and commands over the live state and Asterisk of each ipbx
    (``config.ipbxid`` the default one) and ``users``, wired to a ``Feed``; password checks
    run by ``run_check``; with ``userdata``, the feed records each user's calls into its
    history and ``people`` answers the contacts panel; ``calls``: phones statuses carry
    their calls (for the web panel); ``presence`` is also told the logins whose status
    changed here (the bus's shared presence)."""
    book = UserStatusBook()
    limits = AddressLimits(
        clock,
        max_connections=config.max_connections_per_address,
        max_failures=config.max_login_failures_per_address,
        failure_window=config.login_failure_window,
    )
    lists = ListView(states, users, book, config.ipbxid, calls=calls)
    broadcaster = Broadcaster(
        clock, encode, config.push_interval, config.writes_per_pass, config.write_time_per_pass
    )
    history = (
        None
        if userdata is None
        else HistoryRecording(userdata.writer, clock, config.ipbxid, shared=userdata.shared)
    )
    watches = StatusWatches(lists)
    feed = Feed(
        states, PushView(lists), broadcaster, metrics.ami_events, watches, history,
        ipbxid=config.ipbxid,
    )  # fmt: skip
    status_changed = (
        feed.status_changed if presence is None else _both(feed.status_changed, presence)
    )
    gathered = StatusBatch(clock, config.status_push_interval, status_changed).changed
    commands = CommandContext(
        users=users, book=book, status_changed=status_changed, lists=lists,
        asterisks=asterisks,
        originate_timeout=config.originate_timeout,
        presences=config.presences, people=people, userdata=userdata, clock=clock,
    )  # fmt: skip
    logins = LoginChecks(
        users, limits, clock, run_check,
        cache=VerifierCache(config.login_cache_ttl, book.online),
        in_flight=config.password_checks or default_size(),
        queue_size=config.password_check_queue, metrics=metrics,
    )  # fmt: skip
    bind_gauge(metrics.password_checks_queued, lambda: len(logins.queue))
    bind_gauge(metrics.password_checks_running, lambda: logins.running_checks)
    ctx = CTIContext(
        config=config,
        clock=clock,
        users=users,
        book=book,
        status_changed=gathered,
        commands=Commands(commands, CommandRate(clock, config.command_rate, config.command_burst)),
        broadcaster=broadcaster,
        watches=watches,
        lists=lists,
        limits=limits,
        metrics=metrics,
        logins=logins,
        passes=PassQueue(clock, PassBudget(config.writes_per_pass, config.write_time_per_pass)),
        tls=tls_options(config.tls) if config.tls.enabled and config.tls.mode == "starttls"
        else None,
    )  # fmt: skip
    parts = CTIParts(feed=feed, ctx=ctx, people=people, history=history)
    parts.users_replaced(users.all())
    return parts


def _both(first: StatusChanged, second: StatusChanged) -> StatusChanged:
    def changed(logins: Sequence[str]) -> None:
        first(logins)
        second(logins)

    return changed
