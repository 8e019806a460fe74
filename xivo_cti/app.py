"""``CtidApp``, the composition root of xivo-ctid: it builds the parts and wires them.

The data path, one way (one AMI client and live state per ipbx, changes tagged with it)::

    AMI bytes -> ami (AMIClientService) -> Feed.event -> LiveState.apply -> changes
      -> PushView (views) -> Broadcaster (delivery) -> CTIProtocol (sessions) -> socket

and back: socket -> CTIProtocol -> ClientSession -> Commands (authorised against the
state) -> Asterisk (LocalAsterisk over the AMI client of the ipbx acted on).  After each
AMI login the state of that ipbx is resynced (its differences go to ``Feed.changed``) and
the features of its users are read back from its AstDB.  What changes a user's status (a
session, a command, an AstDB read-back) hands the logins it changed to
``Feed.status_changed``; a users reload (``CtidApp.reload_users``) hands the new table to
every part that follows it.  The feed's changes also go to the call history's recording,
and the contacts and history panels are answered from the per-user data store, which
also gives back the queue calls of the last day at start (queue statistics).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from twisted.application.service import MultiService
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from xivo_cti._wiring import CTIParts, wire_cti
from xivo_cti.ami import AMIClientService
from xivo_cti.bus import BusNode
from xivo_cti.commands import LocalAsterisk
from xivo_cti.config import CtidConfig
from xivo_cti.cti import make_cti_service
from xivo_cti.metrics import CtidMetrics, bind_gauge
from xivo_cti.people import People
from xivo_cti.state import Change, LiveState, resync
from xivo_cti.userdata import QueueOutcome, make_userdata, state_directory
from xivo_cti.users import (
    CheckPool,
    FeaturesFollower,
    InitialLoad,
    User,
    UserSource,
    VerifierHandoff,
    default_size,
    make_user_store,
)
from xivo_cti.web import make_web_service

__all__ = ["CTIParts", "CtidApp", "wire_cti"]


class CtidApp(MultiService):
    """Every part of one xivo-ctid, as the service that runs them (an AMI client per ipbx,
    initial users load, per-user data store, CTI port, web panel); ``environ`` (the
    process's environment) tells whether systemd keeps the login verifiers across a
    restart."""

    def __init__(
        self,
        config: CtidConfig,
        reactor: Any,
        metrics: CtidMetrics,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        owned = config.owned_ipbx
        self.ipbxid = config.cti.ipbxid
        """The default ipbx."""
        self.states = {ipbx: LiveState(reactor) for ipbx in owned}
        self.users = make_user_store(config.users_file, config.users_db, reactor)
        self.amis = {
            ipbx: AMIClientService(reactor, ami, on_connected=partial(self._resync, ipbx, reactor))
            for ipbx, ami in owned.items()
        }
        checks = CheckPool(reactor, config.cti.password_checks or default_size())
        userdata = make_userdata(
            config.userdata, config.users_db.dsn, state_directory(config.state_directory), reactor
        )
        people = People(
            userdata.books, self.users.by_id, config.cti.ipbxid, config.userdata.max_contacts
        )
        local = {ipbx: LocalAsterisk(ami) for ipbx, ami in self.amis.items()}
        self.bus = None if not config.bus.url else BusNode(
            config.bus, reactor, self.states,
            {ipbx: (ami, local[ipbx]) for ipbx, ami in self.amis.items()},
            event=lambda message, ipbx: self.cti.feed.event(message, ipbx),
            changed=lambda changes, ipbx: self.cti.feed.followed(changes, ipbx),
        )  # fmt: skip
        self.cti = wire_cti(
            config.cti, states=self.states, users=self.users,
            asterisks=local if self.bus is None else self.bus.asterisks,
            clock=reactor, metrics=metrics, run_check=checks.run, people=people,
            userdata=userdata, calls=config.web.enabled,
            presence=None if self.bus is None else self.bus.status_changed,
        )  # fmt: skip
        if self.bus is not None:
            self.cti.ctx.sessions.relay = self.bus.share_status(
                self.cti.ctx.book, self.users, self.cti.ctx.lists.ipbx_of,
                self.cti.feed.status_changed, self.cti.ctx.sessions.deliver,
            )  # fmt: skip
        amis = list(self.amis.values())
        bind_gauge(metrics.ami_connected, lambda: float(all(ami.connected for ami in amis)))
        bind_gauge(metrics.ami_pending_actions, lambda: sum(ami.pending_actions for ami in amis))
        ipbx_of = self.cti.ctx.watches.view.ipbx_of
        self.features: list[FeaturesFollower] = []
        for ipbx, ami in self.amis.items():
            ami.add_event_listener(partial(self.cti.feed.event, ipbx=ipbx))
            alone = len(self.amis) == 1 and self.bus is None
            owns = None if alone else (lambda user, ipbx=ipbx: ipbx_of(user) == ipbx)
            self.features.append(
                FeaturesFollower(
                    ami, self.users, self.cti.ctx.book, reactor, self.cti.ctx.status_changed,
                    owns,
                )
            )  # fmt: skip
            ami.setName("ami" if ipbx == self.ipbxid else f"ami.{ipbx}")
            if self.bus is None:
                ami.setServiceParent(self)
            else:  # started and stopped with the ipbx's lease
                ami.add_event_listener(self.bus.event_of(ipbx))
        if self.bus is not None:
            self.bus.setServiceParent(self)
        if config.users_db.dsn:
            InitialLoad(self.reload_users, reactor).setServiceParent(self)
        userdata.setServiceParent(self)
        userdata.kept_outcomes.addCallback(self._restore_outcomes)
        checks.setServiceParent(self)
        self.cti.ctx.logins.setServiceParent(self)  # stopped before the pool: queued refused
        # loaded before the CTI port opens, saved after it closed
        VerifierHandoff(self.cti.ctx.logins.cache, reactor, environ or {}).setServiceParent(self)
        cti = make_cti_service(self.cti.ctx, reactor)
        cti.setName("cti")
        cti.setServiceParent(self)
        if config.web.enabled:
            web = make_web_service(config.web, self.cti.ctx, config.cti.tls, reactor)
            web.setName("web")
            web.setServiceParent(self)

    def reload_users(self, source: UserSource | None = None) -> Deferred[None]:
        """Load the users again (from ``source`` if given, which then replaces the old
        one) and hand the new table to every part that follows it."""
        return self.users.reload(source).addCallback(self._users_replaced)

    def _users_replaced(self, table: Sequence[User]) -> None:
        self.cti.users_replaced(table)
        for features in self.features:
            features.users_changed()

    def _restore_outcomes(self, kept: Sequence[QueueOutcome]) -> None:
        """The queue calls the store kept (before a restart) count in the statistics."""
        for ipbx, state in self.states.items():
            state.queue_outcomes.restore(o.left for o in kept if o.ipbx == ipbx)

    def _resync(self, ipbx: str, clock: IReactorTime, ami: AMIClientService) -> Any:
        return resync(ami, self.states[ipbx], partial(self._resynced, ipbx), clock=clock)

    def _resynced(self, ipbx: str, changes: Sequence[Change]) -> None:
        self.cti.feed.changed(changes, ipbx)
        if self.bus is not None:
            self.bus.resynced(ipbx)
