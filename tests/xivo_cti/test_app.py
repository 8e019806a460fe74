"""Tests for xivo_cti.app: the parts of xivo-ctid wired together."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from twisted.internet.testing import MemoryReactorClock

from tests.xivo_cti.ami.test_client import Rig as AMIRig
from tests.xivo_cti.conftest import PASSWORDS, ManualRunner, Rig, run_now, sample_users
from tests.xivo_cti.test_service import FakeReactor, _users_file
from tests.xivo_cti.users.test_astdb import answer_tree, entry
from xivo_cti.ami._config import AMIConfig
from xivo_cti.app import CtidApp, wire_cti
from xivo_cti.config import CtidConfig
from xivo_cti.cti._config import CTIConfig
from xivo_cti.metrics import CtidMetrics
from xivo_cti.state import LiveState, QueueCallLeft
from xivo_cti.userdata import QueueOutcome, UserData
from xivo_cti.users import UserStore
from xivo_cti.users._checkpool import CheckPool


def test_app_reads_features_after_ami_login() -> None:
    """The assembled xivo-ctid sends DBGetTree after login and fills its CTI book."""
    reactor = FakeReactor()
    config = CtidConfig(ami=AMIConfig(time_per_pass=60.0))  # the AMIRig's reason
    app = CtidApp(config, reactor, CtidMetrics(CollectorRegistry()))
    app.startService()
    try:
        asterisk = AMIRig()  # only its Asterisk-side helpers, on the daemon's reactor
        asterisk.reactor = reactor
        asterisk.login()
        answer_tree(asterisk, [entry("/xivo-features/2002/enablednd", "1")])
        assert app.cti.ctx.book.status("bob")["enablednd"] is True
    finally:
        app.stopService()


def test_users_reload_reaches_every_part_that_follows_the_users(tmp_path) -> None:
    """reload_users hands the new table on: the people search finds the new user, a
    connected AMI reads the features again (the new user's DND shown), and a users
    reload that fails hands nothing on."""
    path = tmp_path / "users.yml"
    config = CtidConfig(ami=AMIConfig(time_per_pass=60.0), users_file=_users_file(path, "anne"))
    reactor = FakeReactor()
    app = CtidApp(config, reactor, CtidMetrics(CollectorRegistry()))
    app.startService()
    try:
        asterisk = AMIRig()
        asterisk.reactor = reactor
        asterisk.login()
        answer_tree(asterisk, [])
        assert [u.login for u in app.cti.people.index.search("anne", 5)] == ["anne"]
        _users_file(path, "bruno")
        done: list = []
        app.reload_users().addCallback(done.append)
        assert done == [None]
        assert app.cti.people.index.search("anne", 5) == []
        assert [u.login for u in app.cti.people.index.search("bruno", 5)] == ["bruno"]
        answer_tree(asterisk, [entry("/xivo-features/2001/enablednd", "1")])
        assert app.cti.ctx.book.status("bruno")["enablednd"] is True
        path.write_text("- login: [broken]\n")
        failed: list = []
        app.reload_users().addErrback(failed.append)
        assert failed and app.users.get("bruno") is not None
        assert asterisk.transport.value() == b""  # no DBGetTree for a table not loaded
    finally:
        app.stopService()


def test_cti_listens_with_the_backlog_and_its_own_check_pool() -> None:
    """The CTI port listens with cti.backlog (a reconnect storm's connections wait in it)
    and the password checks run in a pool of cti.password_checks threads, stopped after
    the login checks (queued checks refused first)."""
    config = CtidConfig(cti=CTIConfig(port=0, backlog=777, password_checks=3))
    app = CtidApp(config, FakeReactor(), CtidMetrics(CollectorRegistry()))
    assert app.getServiceNamed("cti").backlog == 777
    (pool,) = [s for s in app if isinstance(s, CheckPool)]
    assert pool.size == 3 and app.cti.ctx.logins.in_flight == 3
    children = list(app)
    assert children.index(app.cti.ctx.logins) > children.index(pool)  # stopped first


def test_password_check_queue_is_on_the_metrics() -> None:
    """wire_cti binds the checks waiting and running to xivo-ctid's gauges."""
    runner = ManualRunner()
    rig = Rig(CTIConfig(password_checks=1), run_check=runner)
    for i, login in enumerate(("alice", "bob", "carol")):
        client = rig.connect(f"10.0.0.{i}")
        client.send(**{"class": "login_id", "userlogin": login, "xivoversion": "2.3"})
        client.send(**{"class": "login_pass", "password": PASSWORDS[login]})

    def gauge(name: str) -> float:
        return rig.registry.get_sample_value(f"xivo_ctid_password_checks_{name}")

    assert (gauge("running"), gauge("queued")) == (1, 2)
    runner.finish_one()
    assert (gauge("running"), gauge("queued")) == (1, 1)
    runner.finish_all()
    assert (gauge("running"), gauge("queued")) == (0, 0)


def test_status_changes_also_go_to_the_presence_given() -> None:
    """With ``presence`` (the bus's shared presence) the logins a command changed go to it
    as well as to the feed."""
    clock = MemoryReactorClock()
    told: list[str] = []
    parts = wire_cti(
        CTIConfig(), states={"xivo": LiveState(clock)}, users=UserStore(None, sample_users()),  # type: ignore[arg-type]
        asterisks={}, clock=clock, metrics=CtidMetrics(CollectorRegistry()), run_check=run_now,
        presence=told.extend,
    )  # fmt: skip
    bob = parts.ctx.users.get("bob")
    parts.ctx.book.session_opened("bob", "available")
    parts.ctx.commands.run(bob, "availstate", {"availstate": "away"})  # type: ignore[arg-type]
    assert told == ["bob"]
    assert parts.ctx.book.status("bob")["availstate"] == "away"


def test_queue_calls_kept_by_the_store_count_in_the_statistics() -> None:
    """What the store gives back at start goes to the live state of its ipbx: the queue
    statistics' window does not start from zero after a restart."""
    reactor = FakeReactor()
    reactor.advance(10_000)
    app = CtidApp(CtidConfig(), reactor, CtidMetrics(CollectorRegistry()))
    (userdata,) = [s for s in app if isinstance(s, UserData)]
    left = QueueCallLeft(queue="q", uniqueid="1.1", ended=9_900.0, holdtime=5, answered=True)
    userdata.kept_outcomes.callback(
        [QueueOutcome(ipbx="xivo", left=left), QueueOutcome(ipbx="elsewhere", left=left)]
    )
    window = app.states["xivo"].queue_outcomes.window("q", 3600, 60)
    assert (window.answered, window.max_holdtime) == (1, 5)
