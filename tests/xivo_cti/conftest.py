"""Fixtures for the CTI server tests: a fake AMI, sample users, a real LiveState and the
CTI half wired as in xivo-ctid (``xivo_cti.app.wire_cti``)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import bcrypt
import pytest
from prometheus_client import CollectorRegistry
from twisted.internet import defer
from twisted.internet.testing import MemoryReactorClock, StringTransport

from tests.xivo_cti.userdata.memory import memory_store
from xivo.passes import PassBudget, PassQueue
from xivo_cti._feed import Feed
from xivo_cti.ami._message import Message
from xivo_cti.app import wire_cti
from xivo_cti.commands import LocalAsterisk
from xivo_cti.cti._config import CTIConfig
from xivo_cti.cti._protocol import CTIProtocol
from xivo_cti.metrics import CtidMetrics
from xivo_cti.people import People
from xivo_cti.state import LiveState
from xivo_cti.userdata import UserData, UserDataConfig
from xivo_cti.users._loader import users_from_records
from xivo_cti.users._store import UserStore

PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw"}


def bcrypt_hash(password: str) -> str:
    """A fast (cost 4) bcrypt hash for tests."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


def sample_users(ipbx_b: bool = False) -> tuple:
    """alice (supervisor, PJSIP/alice), bob (agent, PJSIP/bob, agent 7), carol (user,
    Custom:carol); with ``ipbx_b``, dave (agent, PJSIP/dave, agent 7) of ipbx b."""
    rows = [
        ("alice", "PJSIP/alice", "2001", "supervisor"),
        ("bob", "PJSIP/bob", "2002", "agent"),
        ("carol", "Custom:carol", "2003", "user"),
    ]
    if ipbx_b:
        rows.append(("dave", "PJSIP/dave", "3001", "agent"))
    records = [
        {"login": login, "password_hash": bcrypt_hash(PASSWORDS[login]), "line": line,
         "extension": ext, "profile": profile,
         **({"agent": "7"} if login in ("bob", "dave") else {}),
         **({"ipbx": "b"} if login == "dave" else {})}
        for login, line, ext, profile in rows
    ]  # fmt: skip
    return users_from_records(records, "test")


def run_now(fn: Any, *args: Any) -> defer.Deferred:
    """A RunInThread that runs at once (tests only)."""
    return defer.maybeDeferred(fn, *args)


class ManualRunner:
    """A RunInThread whose calls wait until the test runs them (a pool the test drives)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, tuple, defer.Deferred]] = []
        self.calls = 0

    def __call__(self, fn: Any, *args: Any) -> defer.Deferred:
        d: defer.Deferred = defer.Deferred()
        self.waiting.append((fn, args, d))
        self.calls += 1
        return d

    def finish_one(self) -> None:
        """Run the oldest waiting call and fire its Deferred."""
        fn, args, d = self.waiting.pop(0)
        d.callback(fn(*args))

    def finish_all(self) -> None:
        """Run waiting calls (and those they lead to) until none is left."""
        while self.waiting:
            self.finish_one()


class FakeAMI:
    """Records the actions it is asked to send; answers Success unless told otherwise."""

    def __init__(self) -> None:
        self.connected = True
        self.actions: list[tuple[str, dict[str, str]]] = []
        self.failure: Exception | None = None

    def send_action(self, action: str, headers: Any) -> defer.Deferred:
        self.actions.append((action, dict(headers)))
        if self.failure is not None:
            return defer.fail(self.failure)
        return defer.succeed(Message.of(Response="Success"))

    def originate(self, channel: str, **kwargs: Any) -> defer.Deferred:
        return self.send_action(
            "Originate",
            {"Channel": channel, **{k: str(v) for k, v in kwargs.items() if v is not None}},
        )


def new_channel(
    feed: Feed, uniqueid: str, name: str, linkedid: str = "", ipbx: str | None = None
) -> None:
    """Feed a Newchannel event (of ``ipbx``: None, the default one) through the data path."""
    feed.event(
        Message.of(
            Event="Newchannel", Uniqueid=uniqueid, Channel=name, ChannelState="4",
            ChannelStateDesc="Ring", CallerIDNum="", CallerIDName="", ConnectedLineNum="",
            ConnectedLineName="", Context="default", Exten="s", Linkedid=linkedid or uniqueid,
        ),
        ipbx,
    )  # fmt: skip


class Client:
    """One protocol on a StringTransport, with helpers to talk JSON."""

    def __init__(self, proto: CTIProtocol, transport: StringTransport) -> None:
        self.proto = proto
        self.transport = transport

    def send(self, **message: Any) -> None:
        self.proto.dataReceived(json.dumps(message).encode() + b"\n")

    def received(self) -> list[dict[str, Any]]:
        """Messages written since the last call (this reactor pass's pushes flushed first)."""
        self.proto.ctx.broadcaster.flush()
        data = self.transport.value()
        self.transport.clear()
        return [json.loads(line) for line in data.splitlines() if line]

    def login(self, login: str, clock: MemoryReactorClock) -> dict[str, Any]:
        self.send(**{"class": "login_id", "userlogin": login, "xivoversion": "2.3", "commandid": 1})
        self.send(**{"class": "login_pass", "password": PASSWORDS[login], "commandid": 2})
        self.send(**{"class": "login_capas", "capaid": 1, "state": "available", "commandid": 3})
        replies = [m for m in self.received() if m["class"] != "getlist"]
        return replies[-1]


class Rig:
    """The CTI half over a MemoryReactorClock, a FakeAMI, a LiveState and a per-user
    store in memory; AMI events go in by ``feed.event``.  With ``ipbx_b``, a second ipbx
    ``b`` (its own FakeAMI ``ami_b`` and LiveState ``state_b``) and its user dave."""

    def __init__(
        self,
        config: CTIConfig | None = None,
        tls: Any = None,
        run_check: Any = run_now,
        ipbx_b: bool = False,
    ) -> None:
        self.clock = MemoryReactorClock()
        self.ami, self.ami_b = FakeAMI(), FakeAMI()
        self.state, self.state_b = LiveState(self.clock), LiveState(self.clock)
        self.users = UserStore(None, sample_users(ipbx_b))  # type: ignore[arg-type]
        self.registry = CollectorRegistry()
        self.metrics = CtidMetrics(self.registry)
        self.store, self.db = memory_store()
        self.userdata = UserData(self.store, UserDataConfig(), self.clock)
        people = People(self.userdata.books, self.users.by_id, "xivo", 1000)
        config = config or CTIConfig()
        states = {config.ipbxid: self.state, **({"b": self.state_b} if ipbx_b else {})}
        amis = {config.ipbxid: self.ami, **({"b": self.ami_b} if ipbx_b else {})}
        parts = wire_cti(
            config, states=states, users=self.users,
            asterisks={ipbx: LocalAsterisk(ami) for ipbx, ami in amis.items()},  # type: ignore[arg-type]
            clock=self.clock, metrics=self.metrics,
            run_check=run_check, people=people, userdata=self.userdata,
        )  # fmt: skip
        self.parts = parts
        self.feed = parts.feed
        # the per-pass budget on the test's clock: only the count limits a pass
        passes = PassQueue(
            self.clock, PassBudget(parts.ctx.config.writes_per_pass, now=self.clock.seconds)
        )
        self.ctx = dataclasses.replace(parts.ctx, passes=passes, tls=tls or parts.ctx.tls)

    def replace_users(self, users: tuple) -> None:
        """A users reload: the new table installed and handed on as ``CtidApp`` does."""
        self.users.replace(users)
        self.parts.users_replaced(self.users.all())

    def connect(self, peer: str = "10.0.0.1", transport: Any = None) -> Client:
        assert self.ctx.limits.connection_opened(peer)
        proto = CTIProtocol(self.ctx, peer)
        transport = transport or StringTransport()
        proto.makeConnection(transport)
        client = Client(proto, transport)
        (offer,) = client.received()
        assert offer["class"] == "starttls" and "starttls" not in offer, offer
        return client

    def logged_in(self, login: str) -> Client:
        client = self.connect()
        reply = client.login(login, self.clock)
        assert reply["class"] == "login_capas", reply
        return client


@pytest.fixture
def rig() -> Rig:
    """A running CTI context with fakes."""
    return Rig()
