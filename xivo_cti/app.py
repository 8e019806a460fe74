"""``CtidApp``, the composition root of xivo-ctid: it builds the parts and wires them.

The data path, one way::

    AMI bytes -> ami (AMIClientService) -> Feed.event -> LiveState.apply -> changes
      -> PushView (views) -> Broadcaster (delivery) -> CTIProtocol (sessions) -> socket

and back: socket -> CTIProtocol -> ClientSession -> Commands (authorised against the
state) -> Asterisk (LocalAsterisk over the AMI client).  After each AMI login the state
is resynced (its differences go to ``Feed.changed``) and the users' features are read
back from the AstDB.  The feed's changes also go to the call history's recording, and
the contacts and history panels are answered from the per-user data store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from twisted.application.service import MultiService
from twisted.internet.interfaces import IReactorTime

from xivo_cti._feed import Feed
from xivo_cti.ami import AMIClientService
from xivo_cti.commands import Asterisk, CommandContext, CommandRate, Commands, LocalAsterisk
from xivo_cti.config import CtidConfig
from xivo_cti.cti import AddressLimits, CTIConfig, CTIContext, encode, make_cti_service, tls_options
from xivo_cti.delivery import Broadcaster
from xivo_cti.history import HistoryRecording
from xivo_cti.metrics import CtidMetrics, bind_gauge
from xivo_cti.people import People
from xivo_cti.state import LiveState, resync
from xivo_cti.userdata import UserData, make_userdata, state_directory
from xivo_cti.users import (
    CheckPool,
    InitialLoad,
    LoginChecks,
    RunInThread,
    UserStatusBook,
    UserStore,
    VerifierCache,
    default_size,
    follow_astdb_features,
    make_user_store,
)
from xivo_cti.views import ListView, PushView, StatusWatches
from xivo_cti.web import make_web_service

__all__ = ["CTIParts", "CtidApp", "follow_users", "wire_cti"]


@dataclass(frozen=True, kw_only=True)
class CTIParts:
    """The CTI half: the feed events enter by, and what sessions share (its ``logins``
    service runs the password checks)."""

    feed: Feed
    ctx: CTIContext


def wire_cti(
    config: CTIConfig,
    *,
    state: LiveState,
    users: UserStore,
    asterisk: Asterisk,
    clock: IReactorTime,
    metrics: CtidMetrics,
    run_check: RunInThread,
    people: People | None = None,
    userdata: UserData | None = None,
    calls: bool = False,
) -> CTIParts:
    """Views, delivery and commands over ``state`` and ``users``, wired to a ``Feed``;
    password checks run by ``run_check``; with ``userdata``, the feed records each
    user's calls into its history and ``people`` answers the contacts panel; ``calls``:
    phones statuses carry their calls (for the web panel)."""
    book = UserStatusBook()
    limits = AddressLimits(
        clock,
        max_connections=config.max_connections_per_address,
        max_failures=config.max_login_failures_per_address,
        failure_window=config.login_failure_window,
    )
    lists = ListView(state, users, book, calls=calls)
    broadcaster = Broadcaster(
        clock, encode, config.push_interval, config.writes_per_pass, config.write_time_per_pass
    )
    history = None if userdata is None else HistoryRecording(userdata.writer, clock)
    watches = StatusWatches(lists, config.ipbxid)
    feed = Feed(
        state, PushView(lists, config.ipbxid), broadcaster, metrics.ami_events, watches, history
    )
    book.on_change(feed.user_changed)
    users.on_change(feed.users_reloaded)
    follow_users(users, people, history)
    commands = CommandContext(
        users=users, state=state, book=book, lists=lists, asterisk=asterisk,
        ipbxid=config.ipbxid, originate_timeout=config.originate_timeout,
        presences=config.presences, people=people, userdata=userdata, clock=clock,
    )  # fmt: skip
    ctx = CTIContext(
        config=config,
        clock=clock,
        users=users,
        book=book,
        commands=Commands(commands, CommandRate(clock, config.command_rate, config.command_burst)),
        broadcaster=broadcaster,
        watches=watches,
        lists=lists,
        limits=limits,
        metrics=metrics,
        logins=LoginChecks(
            users, limits, clock, run_check,
            cache=VerifierCache(config.login_cache_ttl, book.online),
            in_flight=config.password_checks or default_size(),
            queue_size=config.password_check_queue,
        ),
        tls=tls_options(config.tls) if config.tls.enabled and config.tls.mode == "starttls"
        else None,
    )  # fmt: skip
    return CTIParts(feed=feed, ctx=ctx)


def follow_users(users: UserStore, people: People | None, history: HistoryRecording | None) -> None:
    """Keep the people search's index and the lines the history follows up to date with
    the users table."""

    def users_changed() -> None:
        table = users.all()
        if people is not None:
            people.index.replace(table)
        if history is not None:
            history.users_changed(table)

    users_changed()
    users.on_change(users_changed)


class CtidApp(MultiService):
    """Every part of one xivo-ctid, as the service that runs them (AMI client, initial
    users load, per-user data store, CTI port, web panel)."""

    def __init__(self, config: CtidConfig, reactor: Any, metrics: CtidMetrics) -> None:
        super().__init__()
        self.state = LiveState(reactor)
        self.users = make_user_store(config.users_file, config.users_db, reactor)
        self.ami = AMIClientService(
            reactor, config.ami, on_connected=lambda ami: resync(ami, self.state,
                                                                self.cti.feed.changed,
                                                                clock=reactor)
        )  # fmt: skip
        checks = CheckPool(reactor, config.cti.password_checks or default_size())
        userdata = make_userdata(
            config.userdata, config.users_db.dsn, state_directory(config.state_directory), reactor
        )
        people = People(
            userdata.books, self.users.by_id, config.cti.ipbxid, config.userdata.max_contacts
        )
        self.cti = wire_cti(
            config.cti, state=self.state, users=self.users, asterisk=LocalAsterisk(self.ami),
            clock=reactor, metrics=metrics, run_check=checks.run, people=people,
            userdata=userdata, calls=config.web.enabled,
        )  # fmt: skip
        self.ami.add_event_listener(self.cti.feed.event)
        follow_astdb_features(self.ami, self.users, self.cti.ctx.book, reactor)
        bind_gauge(metrics.ami_connected, lambda: 1.0 if self.ami.connected else 0.0)
        bind_gauge(metrics.ami_pending_actions, lambda: self.ami.pending_actions)
        self.ami.setName("ami")
        self.ami.setServiceParent(self)
        if config.users_db.dsn:
            InitialLoad(self.users, reactor).setServiceParent(self)
        userdata.setServiceParent(self)
        checks.setServiceParent(self)
        self.cti.ctx.logins.setServiceParent(self)  # stopped before the pool: queued refused
        cti = make_cti_service(self.cti.ctx, reactor)
        cti.setName("cti")
        cti.setServiceParent(self)
        if config.web.enabled:
            web = make_web_service(config.web, self.cti.ctx, config.cti.tls, reactor)
            web.setName("web")
            web.setServiceParent(self)
