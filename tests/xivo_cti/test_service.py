"""Tests for xivo_cti.service."""

import pytest
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python import usage
from twisted.python.failure import Failure

from tests.xivo_cti.ami.conftest import BANNER
from xivo.config import ConfigError
from xivo.ops.health import HealthChecks
from xivo.ops.reload import ReloadService
from xivo_cti.ami._config import AMIConfig
from xivo_cti.config import CtidConfig, build_config
from xivo_cti.service import Options, build_ctid, makeService


class SyncThreadPool:
    """Runs "threaded" work at once, in the test's thread."""

    def callInThreadWithCallback(self, on_result, f, *args, **kwargs):
        try:
            result = f(*args, **kwargs)
        except Exception as e:
            on_result(False, Failure(e))
        else:
            on_result(True, result)


class FakeReactor(MemoryReactorClock):
    """A memory reactor whose thread pool and callFromThread run synchronously."""

    def getThreadPool(self):
        return SyncThreadPool()

    def callFromThread(self, f, *args, **kwargs):
        f(*args, **kwargs)


def _config():
    return build_config({"ami": {"port": 15038}, "cti": {"port": 15003}, "http": {"port": 19503}})


def test_options_load_and_check_the_file(tmp_path):
    """--config is loaded in postOptions; a bad key is a usage error naming it."""
    path = tmp_path / "ctid.yml"
    path.write_text("cti: {port: 5004}\n")
    options = Options()
    options.parseOptions(["--config", str(path)])
    assert options["loaded"].cti.port == 5004
    path.write_text("cti: {prot: 5004}\n")
    with pytest.raises(usage.UsageError, match=r"cti\.prot"):
        Options().parseOptions(["--config", str(path)])


def test_service_listens_for_cti_and_http_and_dials_ami():
    """Started, it listens on the CTI and HTTP ports and connects to AMI."""
    reactor = FakeReactor()
    svc = makeService(_config(), reactor)
    svc.startService()
    try:
        ports = sorted(port for port, *_ in reactor.tcpServers)
        assert ports == [15003, 19503]
        assert [(host, port) for host, port, *_ in reactor.tcpClients] == [("127.0.0.1", 15038)]
    finally:
        svc.stopService()


def test_health_reports_ami_down_until_connected():
    """The ami health check is down while no AMI session is logged in."""
    reactor = FakeReactor()
    checks = HealthChecks()
    build_ctid(CtidConfig(), reactor, checks, ReloadService(reactor))
    report = checks.report()
    assert report["status"] == "down"
    assert report["checks"]["ami"]["status"] == "down"
    assert report["checks"]["ami"]["port"] == 5038


def test_reload_step_reloads_users_and_keeps_config_on_error(tmp_path):
    """SIGHUP reloads the users file; a broken config file is logged and skipped."""
    users = tmp_path / "users.yml"
    users.write_text("[]\n")
    config = build_config({"users_file": str(users)})
    reactor = FakeReactor()
    reloader = ReloadService(reactor)
    calls = []

    def read_config():
        calls.append(1)
        raise ConfigError("ami.prot: unknown key")

    build_ctid(config, reactor, HealthChecks(), reloader, read_config)
    done = []
    reloader.reload().addCallback(done.append)
    assert calls == [1]
    assert done == [None]


def test_ami_gauges_and_event_counter_follow_the_client():
    """The AMI gauges read the client at scrape time; each AMI event is counted."""
    from prometheus_client import CollectorRegistry

    reactor = FakeReactor()
    # The AMI read budget's time part runs on the real clock: 1 ms on a loaded machine can
    # end a pass before the login answer, which would wait for a turn this clock never takes.
    config = CtidConfig(ami=AMIConfig(time_per_pass=60.0))
    REGISTRY = CollectorRegistry()
    top = build_ctid(config, reactor, HealthChecks(), ReloadService(reactor), registry=REGISTRY)
    ami = top.getServiceNamed("ami")
    assert REGISTRY.get_sample_value("xivo_ctid_ami_connected") == 0.0
    assert REGISTRY.get_sample_value("xivo_ctid_ami_pending_actions") == 0.0
    before = REGISTRY.get_sample_value("xivo_ctid_ami_events_total")
    ami.startService()
    protocol = reactor.tcpClients[-1][2].buildProtocol(None)
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(BANNER)
    login_id = transport.value().split(b"ActionID: ")[1].split(b"\r\n")[0]
    protocol.dataReceived(b"Response: Success\r\nActionID: " + login_id + b"\r\n\r\n")
    assert REGISTRY.get_sample_value("xivo_ctid_ami_connected") == 1.0
    protocol.dataReceived(b"Event: Newchannel\r\nChannel: PJSIP/a-1\r\n\r\n")
    reactor.advance(0)
    assert REGISTRY.get_sample_value("xivo_ctid_ami_events_total") == before + 1
    ami.stopService()


USER = """- login: {login}
  password_hash: "{hash}"
  line: PJSIP/{login}
  extension: "2001"
  context: default
  profile: user
"""


def _users_file(path, login):
    from xivo_cti.users._hashing import UNKNOWN_USER_HASH

    path.write_text(USER.format(login=login, hash=UNKNOWN_USER_HASH))
    return str(path)


def _reloadable(tmp_path, config, new_config):
    """build_ctid on a fake reactor whose SIGHUP reads ``new_config``; the service tree."""
    reactor = FakeReactor()
    reloader = ReloadService(reactor)
    top = build_ctid(config, reactor, HealthChecks(), reloader, lambda: new_config)
    return reactor, reloader, top


def test_reload_applies_ami_settings_and_a_new_users_file(tmp_path):
    """SIGHUP with new AMI settings dials the new address; a new users_file is loaded;
    a changed CTI port is only reported."""
    from twisted.logger import capturedLogs

    old = build_config(
        {"ami": {"port": 15038}, "users_file": _users_file(tmp_path / "a.yml", "anne")}
    )
    new = build_config(
        {
            "ami": {"host": "127.0.0.9", "port": 15039},
            "users_file": _users_file(tmp_path / "b.yml", "bruno"),
            "cti": {"port": 15004},
        }
    )
    reactor, reloader, top = _reloadable(tmp_path, old, new)
    top.startService()
    assert [c[:2] for c in reactor.tcpClients] == [("127.0.0.1", 15038)]
    users = top.users
    assert [u.login for u in users.all()] == ["anne"]
    done = []
    with capturedLogs() as events:
        reloader.reload().addCallback(done.append)
    assert done == [None]
    assert reactor.tcpClients[-1][:2] == ("127.0.0.9", 15039)
    assert [u.login for u in users.all()] == ["bruno"]
    restarts = [e["keys"] for e in events if "restart to apply" in e.get("log_format", "")]
    assert restarts == ["cti"]
    top.stopService()


def _two_ipbx(lyon_port: int, *extra: str):
    ipbx = {"paris": {"ami": {"port": 15038}}, "lyon": {"ami": {"port": lyon_port}}}
    ipbx.update({name: {"ami": {"port": 15050}} for name in extra})
    return build_config({"ipbx": ipbx})


def test_several_ipbx_each_dialed_checked_and_reloaded(tmp_path):
    """Each ipbx gets its AMI connection and health check (``ami`` for the default one,
    ``ami.ID`` for the others); SIGHUP reconnects the one whose settings changed, and
    only reports an added ipbx (a restart applies it)."""
    from twisted.logger import capturedLogs

    reactor, reloader, top = _reloadable(tmp_path, _two_ipbx(15039), _two_ipbx(15040))
    checks = HealthChecks()
    build_ctid(_two_ipbx(15039), FakeReactor(), checks, ReloadService(FakeReactor()))
    report = checks.report()["checks"]
    assert (report["ami"]["port"], report["ami.lyon"]["port"]) == (15038, 15039)
    top.startService()
    assert sorted(c[1] for c in reactor.tcpClients) == [15038, 15039]
    reloader.reload()
    assert reactor.tcpClients[-1][1] == 15040 and len(reactor.tcpClients) == 3
    reactor2, reloader2, top2 = _reloadable(tmp_path, _two_ipbx(15039), _two_ipbx(15039, "x"))
    top2.startService()
    with capturedLogs() as events:
        reloader2.reload()
    assert any("ipbx ids changed" in e.get("log_format", "") for e in events)
    assert sorted(c[1] for c in reactor2.tcpClients) == [15038, 15039]
    top.stopService()
    top2.stopService()


def test_reload_with_a_broken_new_users_file_keeps_users_and_source(tmp_path):
    """A new users_file that does not load keeps the running table and the old file."""
    from twisted.logger import capturedLogs

    old = build_config({"users_file": _users_file(tmp_path / "a.yml", "anne")})
    broken = tmp_path / "b.yml"
    broken.write_text("- login: [not, a, string]\n")
    new = build_config({"users_file": str(broken)})
    _reactor, reloader, top = _reloadable(tmp_path, old, new)
    users = top.users
    with capturedLogs() as events:
        reloader.reload()
    assert [u.login for u in users.all()] == ["anne"]
    assert any("not reloaded" in e.get("log_format", "") for e in events)
    _users_file(tmp_path / "a.yml", "alba")
    users.reload()
    assert [u.login for u in users.all()] == ["alba"]
