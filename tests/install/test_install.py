"""scripts/install on a fresh Debian 12: what it installs, the units serving as installed,
a second run that changes nothing, an upgrade keeping configuration and state, uninstall.

The tests share one root (installed once, in file order: the upgrade and the uninstall
come last). Select them with ``-m install``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from testing.daemons import (
    BlockingCTIClient,
    fastagi_request,
    free_port,
    health,
    http_get,
    listening,
)
from testing.services.bookworm import fresh_root
from testing.waiting import wait_until
from tests.install.booted import Booted
from tests.install.rig import SRC, Rig

pytestmark = pytest.mark.install

UNITS = ("xivo-agid", "xivo-ctid", "xivo")
INIT = Path(__file__).resolve().parents[2] / "init"
WATCHED = (
    "/opt/xivo-cti", "/etc/systemd/system", "/etc/xivo-agid", "/etc/xivo-ctid", "/etc/xivo",
    "/etc/passwd", "/etc/group", "/etc/shadow", "/var/lib/dpkg/status",
)  # fmt: skip


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    """A fresh Debian 12 root with this checkout installed by scripts/install."""
    with fresh_root(tmp_path_factory.mktemp("bookworm")) as root:
        rig = Rig(root)
        assert not rig.path("/usr/bin/python3").exists()  # the installer installs it
        rig.copy_checkout()
        rig.fill_wheelhouse()
        rig.first_run = rig.install()
        yield rig


def _pin(requirement: str) -> str:
    """``name==version`` with the name normalised (PEP 503)."""
    name, _equals, version = requirement.partition("==")
    return f"{re.sub(r'[-_.]+', '-', name).lower()}=={version}"


def test_refuses_unknown_options_and_non_root_before_any_change(rig: Rig):
    """A wrong option or a user other than root: a message, a failure, nothing done."""
    before = rig.snapshot(*WATCHED)
    wrong = rig.run_in(f"{SRC}/scripts/install", "--purge")
    assert (wrong.returncode, wrong.stderr) == (
        2,
        "usage: scripts/install [--uninstall [--purge]]\n",
    )
    user = rig.run_in(f"{SRC}/scripts/install", "--uninstall", user="nobody")
    assert (user.returncode, user.stderr) == (1, "scripts/install: run as root\n")
    assert rig.snapshot(*WATCHED) == before


def test_installs_the_locked_program_in_a_venv_of_debian_python(rig: Rig):
    """Debian's python3 and python3-venv installed, the venv built on /usr/bin/python3
    with exactly the locked versions, Twisted's plugin cache written."""
    venv = rig.path("/opt/xivo-cti/venv")
    assert venv.is_symlink() and str(venv.readlink()).startswith("venvs/")
    assert "home = /usr/bin\n" in (venv / "pyvenv.cfg").read_text()
    lock = (INIT.parent / "requirements/lock.txt").read_text().splitlines()
    pins = {_pin(line.split(" ")[0]) for line in lock if "==" in line and line[0] != " "}
    listed = rig.chroot("/opt/xivo-cti/venv/bin/pip", "list", "--format=freeze")
    frozen = {_pin(line) for line in listed.split()}
    assert pins <= frozen, pins - frozen
    assert "xivo-cti-twisted==0.1.0" in frozen
    assert list(venv.glob("lib/python3*/site-packages/twisted/plugins/dropin.cache"))


def test_units_and_configuration_in_place(rig: Rig):
    """The units as in init/; example configurations readable by the unit's group only;
    system users that cannot log in."""
    passwd = rig.path("/etc/passwd").read_text()
    for unit in UNITS:
        installed = rig.path(f"/etc/systemd/system/{unit}.service")
        assert installed.read_text() == (INIT / f"{unit}.service").read_text()
        uid, gid = rig.ids(unit)
        assert f"{unit}:x:{uid}:{gid}::/nonexistent:/usr/sbin/nologin\n" in passwd
        assert uid < 1000
        config = rig.path(f"/etc/{unit}").stat()
        assert (config.st_uid, config.st_gid, config.st_mode & 0o777) == (0, gid, 0o750)
        for file in rig.path(f"/etc/{unit}").iterdir():
            stat = file.stat()
            assert (stat.st_uid, stat.st_gid, stat.st_mode & 0o777) == (0, gid, 0o640), file
    assert rig.path("/etc/xivo-ctid/config.yml").read_text() == (
        (INIT / "xivo-ctid.yml").read_text()
    )
    assert "systemd is not running here" in rig.first_run


def test_systemd_analyze_verify_is_clean(rig: Rig):
    """systemd-analyze verify (Debian 12's) finds nothing to say about any installed unit."""
    for unit in UNITS:
        path = f"/etc/systemd/system/{unit}.service"
        out = rig.chroot("sh", "-c", f"systemd-analyze verify {path} 2>&1")
        assert out == "", out


def test_agid_unit_answers_fastagi(rig: Rig, tmp_path: Path):
    """xivo-agid as its unit runs it, on the installed example configuration (ports
    moved): a FastAGI monitoring request is answered and /health reports."""
    agi, http = free_port(), free_port()
    rig.edit(
        "/etc/xivo-agid/config.yml",
        {"port: 4573": f"port: {agi}", "port: 9573": f"port: {http}"},
    )
    daemon = rig.start("xivo-agid", tmp_path)
    try:
        daemon.wait_port(agi)
        commands = fastagi_request(agi, "monitoring")
        assert commands[0].startswith('EXEC "MSet" "XIVO_AGID_STATUS=OK,'), commands
        daemon.wait_port(http)
        # The listener opens before the CSV is read: the phonebook is up once it is loaded.
        wait_until(
            lambda: health(http)[1]["checks"]["directory.phonebook"]["status"] == "up",
            timeout=30, what="the installed phonebook reported up on /health",
        )  # fmt: skip
    finally:
        daemon.stop()
    assert rig.started_from_venv(daemon.output())
    assert "Traceback" not in daemon.output()


def test_ctid_unit_logs_a_user_in(rig: Rig, tmp_path: Path):
    """xivo-ctid as its unit runs it: a user added to the installed users file with the
    installed xivo-ctid-passwd logs in; /health reports AMI down (no Asterisk here)."""
    cti, http, ami = free_port(), free_port(), free_port()
    rig.edit("/etc/xivo-ctid/config.yml", {
        "port: 5003": f"port: {cti}", "port: 9503": f"port: {http}", "port: 5038": f"port: {ami}",
    })  # fmt: skip
    rig.add_cti_user("/etc/xivo-ctid/users.yml", "alice", "alice-pw")
    daemon = rig.start("xivo-ctid", tmp_path)
    try:
        daemon.wait_port(cti)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("alice", "alice-pw")
        client.close()
        daemon.wait_port(http)
        status, report = health(http)
        assert (status, report["checks"]["ami"]["status"]) == (503, "down")
    finally:
        daemon.stop()
    state = rig.path("/var/lib/xivo-ctid").stat()
    assert (state.st_uid, state.st_mode & 0o777) == (rig.ids("xivo-ctid")[0], 0o750)
    assert rig.started_from_venv(daemon.output())
    assert "Traceback" not in daemon.output()


def test_combined_unit_serves_fastagi_and_cti(rig: Rig, tmp_path: Path):
    """The one-process unit xivo, on its own configuration folder /etc/xivo."""
    agi, cti, http, ami = free_port(), free_port(), free_port(), free_port()
    rig.edit("/etc/xivo/xivo.yml", {
        "port: 4573": f"port: {agi}", "port: 5003": f"port: {cti}",
        "port: 9500": f"port: {http}", "port: 5038": f"port: {ami}",
    })  # fmt: skip
    rig.add_cti_user("/etc/xivo/users.yml", "bob", "bob-pw")
    daemon = rig.start("xivo", tmp_path)
    try:
        daemon.wait_port(agi)
        daemon.wait_port(cti)
        assert fastagi_request(agi, "monitoring")[0].startswith('EXEC "MSet" "XIVO_AGID_STATUS=OK,')
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("bob", "bob-pw")
        client.close()
    finally:
        daemon.stop()
    assert rig.started_from_venv(daemon.output())
    assert "Traceback" not in daemon.output()


def test_ctid_unit_keeps_the_verifiers_across_systemctl_restart(rig: Rig, tmp_path: Path):
    """Under Debian 12's systemd (252, booted as PID 1 over the root): the installed unit
    hands its memfd of login verifiers to systemd's fd store; after ``systemctl restart``
    the new process has them, and carol's login is a cache hit, not an argon2 check;
    after ``stop`` then ``start`` it starts cold (a miss), as the README says."""
    cti, http, ami = free_port(), free_port(), free_port()
    config = yaml.safe_load(rig.path("/etc/xivo-ctid/config.yml").read_text())
    config["ami"]["port"], config["cti"]["port"], config["http"]["port"] = ami, cti, http
    rig.path("/etc/xivo-ctid/config.yml").write_text(yaml.safe_dump(config))
    users = yaml.safe_load(rig.path("/etc/xivo-ctid/users.yml").read_text()) or []
    hashed = rig.chroot("/opt/xivo-cti/venv/bin/xivo-ctid-passwd", "--stdin", stdin="carol-pw")
    users.append({"login": "carol", "password_hash": hashed.strip(), "line": "PJSIP/carol",
                  "extension": "2003", "profile": "supervisor"})  # fmt: skip
    rig.path("/etc/xivo-ctid/users.yml").write_text(yaml.safe_dump(users))
    systemd = Booted(rig.root, tmp_path / "console.log")
    try:
        assert systemd.systemctl("start", "xivo-ctid").returncode == 0
        wait_until(lambda: listening(cti), timeout=60)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("carol", "carol-pw")
        client.close()
        restarted = systemd.systemctl("restart", "xivo-ctid")
        assert restarted.returncode == 0, restarted.stderr
        wait_until(lambda: listening(cti) and listening(http), timeout=60)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("carol", "carol-pw")
        client.close()
        restarted_metrics = http_get(http, "/metrics")[1]
        journal = systemd.run("journalctl", "-u", "xivo-ctid", "--no-pager").stdout
        for verb in ("stop", "start"):  # systemd 252 drops the fd store on a stop
            assert systemd.systemctl(verb, "xivo-ctid").returncode == 0
        wait_until(lambda: listening(cti) and listening(http), timeout=60)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("carol", "carol-pw")
        client.close()
        started_metrics = http_get(http, "/metrics")[1]
    finally:
        systemd.stop()
    assert b'xivo_ctid_login_verifier_cache_total{result="hit"} 1.0' in restarted_metrics, journal
    assert b'xivo_ctid_login_verifier_cache_total{result="miss"} 0.0' in restarted_metrics
    assert "1 login verifiers kept from the previous process" in journal, journal
    assert b'xivo_ctid_login_verifier_cache_total{result="hit"} 0.0' in started_metrics
    assert b'xivo_ctid_login_verifier_cache_total{result="miss"} 1.0' in started_metrics


def test_second_run_changes_nothing(rig: Rig):
    """Run again on the same checkout: no file written, no unit reloaded or restarted."""
    before = rig.snapshot(*WATCHED)
    rig.record_systemctl(running={f"{unit}.service" for unit in UNITS})
    out = rig.install()
    assert rig.snapshot(*WATCHED) == before
    assert rig.systemctl_calls() == []
    assert out == "install: up to date, nothing changed\n", out


def test_a_lost_system_user_is_made_again_in_its_group(rig: Rig):
    """A unit's user deleted, its group left: the next run creates the user in that group,
    which still owns the configuration."""
    _uid, gid = rig.ids("xivo-agid")
    rig.chroot("sh", "-c", f"userdel xivo-agid && groupadd --system --gid {gid} xivo-agid")
    out = rig.install()
    assert "install: created system user xivo-agid\n" in out, out
    assert rig.ids("xivo-agid")[1] == gid == rig.path("/etc/xivo-agid").stat().st_gid


def test_a_run_interrupted_after_the_switch_is_finished(rig: Rig):
    """A venv left beside the current one (a run stopped before its restarts): the next
    run restarts the running units, then removes it."""
    stale = rig.path("/opt/xivo-cti/venvs/0123456789abcdef")
    (stale / "bin").mkdir(parents=True)
    rig.record_systemctl(running={"xivo.service"})
    rig.install()
    venv = rig.path("/opt/xivo-cti/venv").readlink()
    restarts = [c for c in rig.systemctl_calls() if not c.startswith("is-active")]
    assert restarts == [f"restart xivo.service [venv={venv}] [venvs=2]"]
    assert not stale.exists()


def test_upgrade_keeps_configuration_and_state_and_restarts_running_units_last(
    rig: Rig, tmp_path: Path
):
    """A new version (a changed module and unit): the edited configuration and the state
    are kept, the units reloaded, and only the running unit restarted, on the new venv;
    the old venv is removed; the daemon serves with the kept configuration."""
    rig.edit("/etc/xivo-ctid/config.yml", {"ipbxid: xivo": "ipbxid: edited"})
    edited = rig.path("/etc/xivo-ctid/config.yml").read_bytes()
    rig.path("/var/lib/xivo-ctid/history").write_text("kept\n")
    old = rig.path("/opt/xivo-cti/venv").resolve()
    with rig.path(f"{SRC}/xivo/__init__.py").open("a") as module:
        module.write("# the next version\n")
    with rig.path(f"{SRC}/init/xivo-agid.service").open("a") as unit:
        unit.write("# the next version\n")
    rig.record_systemctl(running={"xivo-ctid.service"})
    rig.install()
    new = rig.path("/opt/xivo-cti/venv").readlink()
    assert rig.path("/etc/xivo-ctid/config.yml").read_bytes() == edited
    assert rig.path("/var/lib/xivo-ctid/history").read_text() == "kept\n"
    assert not old.exists() and new != old.name
    calls = rig.systemctl_calls()
    assert calls[0].startswith("daemon-reload")
    assert [c for c in calls if not c.startswith("is-active")][1:] == [
        f"restart xivo-ctid.service [venv={new}] [venvs=2]"  # the old one removed after
    ]
    cti = yaml.safe_load(edited)["cti"]["port"]
    daemon = rig.start("xivo-ctid", tmp_path)
    try:
        daemon.wait_port(cti)
        client = BlockingCTIClient(cti)
        assert "error_string" not in client.login("alice", "alice-pw")
    finally:
        daemon.stop()
    assert rig.started_from_venv(daemon.output())


def test_uninstall_keeps_configuration_and_state_unless_purged(rig: Rig):
    """--uninstall removes the program and the units only; --purge the rest."""
    rig.record_systemctl(running=set())
    rig.install("--uninstall")
    assert {f"disable --now {unit}.service" for unit in UNITS} <= {
        call.split(" [")[0] for call in rig.systemctl_calls()
    }
    assert not rig.path("/opt/xivo-cti").exists()
    assert not list(rig.path("/etc/systemd/system").glob("xivo*.service"))
    assert rig.path("/etc/xivo-ctid/config.yml").exists()
    assert rig.path("/var/lib/xivo-ctid/history").exists()
    assert "xivo-ctid:" in rig.path("/etc/passwd").read_text()
    rig.install("--uninstall", "--purge")
    for unit in UNITS:
        assert not rig.path(f"/etc/{unit}").exists()
        assert f"\n{unit}:" not in rig.path("/etc/passwd").read_text()
    assert not rig.path("/var/lib/xivo-ctid").exists()
