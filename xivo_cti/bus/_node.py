"""One xivo-ctid node on the bus: its own queue, the ipbx it follows, the ipbx it holds.

The node's connection consumes a queue of its own (server-named, deleted with the
connection) bound to every ipbx's heartbeats and features, every node's presences,
``node.NODE`` (snapshots and command replies sent to it) and the changes of each ipbx it
follows (not of those it holds: its own changes do not come back to it).  For each ipbx
configured on the node, a ``Lease`` (a connection of its own), tried only while that
connection, the node's publish path, is up: while it is held, that ipbx's AMI service runs, its
``ChangePublisher`` publishes, and snapshot requests and commands of other nodes are
served; when it is lost, or the publish path is, all that stops (and the lease is let go)
and the node follows the ipbx like any other.
``asterisks`` is what commands act through: the local AMI for an ipbx held here, the
holder over the bus for any other known one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from functools import partial
from typing import Any

from twisted.application.service import MultiService, Service
from twisted.internet.defer import gatherResults
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from xivo_cti.ami import Message
from xivo_cti.bus._amqp import BusConnection, Subscription
from xivo_cti.bus._asterisks import Asterisks
from xivo_cti.bus._chat import SharedChat
from xivo_cti.bus._commands import CommandServer, RemoteCommands
from xivo_cti.bus._config import BusConfig
from xivo_cti.bus._features import SharedFeatures
from xivo_cti.bus._follower import Followers
from xivo_cti.bus._lease import Lease, lease_handler
from xivo_cti.bus._messages import (
    BusMessageError,
    CommandReply,
    CommandRequest,
    SnapshotRequest,
    decode,
)
from xivo_cti.bus._presence import SharedPresence
from xivo_cti.bus._publisher import ChangePublisher
from xivo_cti.bus._shared import SHARED, SharedStatus
from xivo_cti.commands import Asterisk
from xivo_cti.state import Change, LiveState
from xivo_cti.users import StatusChanged, User, UserStatusBook, UserStore

__all__ = ["BusNode"]

TELL_ALL_INTERVAL = 5.0
"""Seconds between two whole lists of a node's presences (and reminders of its features)."""

log = Logger()


class BusNode(MultiService):
    """The node's bus connection, the ipbx it follows and the leases of its own."""

    def __init__(
        self,
        config: BusConfig,
        reactor: Any,
        states: MutableMapping[str, LiveState],
        amis: Mapping[str, tuple[Service, Asterisk]],
        *,
        event: Callable[[Message, str], None],
        changed: Callable[[Sequence[Change], str], None],
    ) -> None:
        super().__init__()
        self.node = f"node-{secrets.token_hex(6)}"
        self.held: set[str] = set()
        self.reactor = reactor
        self.shared: SharedStatus | None = None
        self._telling = LoopingCall(self._tell_all)
        self._telling.clock = reactor
        keys = ("ipbx.*.heartbeat", "ipbx.*.features", "presence.*", f"node.{self.node}")
        self.followers = Followers(self.node, states, self.held, event=event, changed=changed,
                                   publish=self._publish, clock=reactor,
                                   follow=partial(self._route, bound=True))  # fmt: skip
        self._own = Subscription("", keys, self._received)
        self.connection = BusConnection(reactor, config.url, config.exchange, (self._own,),
                                        on_connected=self._connected,
                                        on_lost=self._disconnected)  # fmt: skip
        self.connection.setServiceParent(self)
        self.commands = RemoteCommands(self.node, self._publish, reactor)
        self.asterisks = Asterisks(
            {i: a for i, (_, a) in amis.items()}, self.held, states, self.commands,
            connected=lambda: self.connection.connected, answering=self.followers.answering,
        )  # fmt: skip
        self.publishers: dict[str, ChangePublisher] = {}
        self._amis = {ipbx: ami for ipbx, (ami, _) in amis.items()}
        self._leases: list[Lease] = []  # not children: they run while the connection is up
        for ipbx, (_, asterisk) in amis.items():
            publisher = ChangePublisher(ipbx, states[ipbx], self._publish, reactor)
            self.publishers[ipbx] = publisher
            server = CommandServer(asterisk, self._publish, reactor, partial(self._ran, ipbx))
            lease = Lease(
                reactor, config.url, config.exchange, ipbx,
                lease_handler(ipbx, publisher, server),
                on_taken=partial(self._taken, ipbx), on_lost=partial(self._lost, ipbx),
            )  # fmt: skip
            self._leases.append(lease)

    def share_status(
        self,
        book: UserStatusBook,
        users: UserStore,
        ipbx_of: Callable[[User], str],
        changed: StatusChanged,
        deliver: Callable[[str, dict[str, Any]], None],
    ) -> SharedChat:
        """Tell other nodes the presences of this node's sessions and the features of the
        users of the ipbx held here, and show theirs (the logins whose shown status they
        changed go to ``changed``); chats other nodes send to users here go to ``deliver``;
        what sends chats to users on other nodes."""
        presence = SharedPresence(self.node, book, self._publish, self.reactor, changed)
        features = SharedFeatures(self.node, book, users, ipbx_of, self.held, self._publish,
                                  changed)  # fmt: skip
        self.shared = SharedStatus(presence, features, SharedChat(presence, self._publish, deliver))
        return self.shared.chat

    def status_changed(self, logins: Sequence[str]) -> None:
        """These users' status changed on this node: their presence, and the features of
        users of ipbx held here, go to the others."""
        if self.shared is not None:
            self.shared.status_changed(logins)

    def _ran(self, ipbx: str, action: str, headers: Mapping[str, str]) -> None:
        if action == "DBPut" and self.shared is not None:
            self.shared.written(ipbx, headers)

    def event_of(self, ipbx: str) -> Callable[[Message], None]:
        """What the AMI client of ``ipbx`` calls with each event (after the data path)."""
        return self.publishers[ipbx].event

    def resynced(self, ipbx: str) -> None:
        """The state of an ipbx held here was rebuilt from its Asterisk."""
        self.publishers[ipbx].resynced()

    def _publish(self, key: str, body: bytes) -> Any:
        return self.connection.publish(key, body)

    def _received(self, routing_key: str, body: bytes) -> None:
        if ipbx_of_key(routing_key) in self.held:
            return  # its own changes and heartbeats, back from its queue: not decoded
        try:
            message = decode(body)
            if isinstance(message, CommandReply):
                self.commands.reply_received(message)
            elif isinstance(message, SHARED):
                if self.shared is not None:
                    self.shared.received(message)
            elif not isinstance(message, SnapshotRequest | CommandRequest):
                self.followers.received(message)
        except BusMessageError as e:
            log.warn("bus: a message on {key} dropped: {error}", key=routing_key, error=e)

    def _connected(self) -> None:
        self.followers.connected()
        self._tell_all()
        for lease in self._leases:
            if not lease.running:
                lease.startService()

    def _disconnected(self) -> None:
        """Nothing can be published: a holder would number changes that nobody gets and
        leave snapshot requests unanswered, so every lease is let go until it is back."""
        for ipbx in list(self.held):
            self._lost(ipbx)
        self._stop_leases()

    def _stop_leases(self) -> Any:
        return gatherResults([lease.stopService() for lease in self._leases if lease.running])

    def _tell_all(self) -> None:
        if self.shared is not None:
            self.shared.tell_all()

    def startService(self) -> None:
        super().startService()
        if not self._telling.running:
            self._telling.start(TELL_ALL_INTERVAL)

    def _route(self, ipbx: str, *, bound: bool) -> None:
        """The changes of an ipbx not held here come to the node's queue, and only those."""
        self.connection.route(self._own, f"ipbx.{ipbx}.change", bound and ipbx not in self.held)

    def _taken(self, ipbx: str) -> None:
        if not self.connection.connected:
            return  # lost meanwhile: the lease is being let go
        log.info("bus: this node holds ipbx {ipbx}", ipbx=ipbx)
        self.held.add(ipbx)
        self._route(ipbx, bound=False)
        self.publishers[ipbx].start()
        ami = self._amis[ipbx]
        if not ami.running:
            ami.startService()

    def _lost(self, ipbx: str) -> None:
        if ipbx not in self.held:
            return
        log.warn("bus: this node no longer holds ipbx {ipbx}", ipbx=ipbx)
        self.held.discard(ipbx)
        self._route(ipbx, bound=True)
        self.publishers[ipbx].stop()
        ami = self._amis[ipbx]
        if ami.running:
            ami.stopService()

    def stopService(self) -> Any:
        for publisher in self.publishers.values():
            publisher.stop()
        if self._telling.running:
            self._telling.stop()
        return gatherResults([self._stop_leases(), super().stopService()])


def ipbx_of_key(routing_key: str) -> str | None:
    """The ipbx of a change's or heartbeat's routing key (``ipbx.ID.change``), else None."""
    prefix, _, rest = routing_key.partition(".")
    ipbx, _, kind = rest.partition(".")
    return ipbx if prefix == "ipbx" and kind in ("change", "heartbeat") else None
