"""Tests for xivo.ops.reload."""

import dataclasses
import os
import signal
import threading
from pathlib import Path

import pytest_twisted
from twisted.internet import defer
from twisted.logger import capturedLogs, formatEvent

from xivo.ops.reload import ReloadService, config_reader, warn_restart


class ImmediateReactor:
    """Runs callFromThread calls at once (the signal handler's hop to the reactor)."""

    def callFromThread(self, f, *args, **kwargs):
        f(*args, **kwargs)


def test_steps_run_in_order():
    """reload() runs every step in registration order."""
    calls = []
    svc = ReloadService(ImmediateReactor())
    svc.add("config", lambda: calls.append("config"))
    svc.add("users", lambda: calls.append("users"))
    d = svc.reload()
    assert calls == ["config", "users"]
    assert d.called


def test_failing_step_does_not_stop_others():
    """A step that raises is logged and the next steps still run; reload succeeds."""
    calls = []

    def broken():
        raise ValueError("bad file")

    svc = ReloadService(ImmediateReactor())
    svc.add("broken", broken)
    svc.add("users", lambda: calls.append("users"))
    results = []
    svc.reload().addCallback(results.append)
    assert calls == ["users"]
    assert results == [None]


def test_async_steps_are_awaited_and_serialised():
    """A second reload waits for a step still running in the first one."""
    pending = defer.Deferred()
    calls = []

    def slow():
        calls.append("slow")
        return pending

    svc = ReloadService(ImmediateReactor())
    svc.add("slow", slow)
    done = []
    svc.reload().addCallback(lambda _: done.append("first"))
    svc.reload().addCallback(lambda _: done.append("second"))
    assert calls == ["slow"]
    assert done == []
    pending.callback(None)
    assert calls == ["slow", "slow"]
    assert sorted(done) == ["first", "second"]


def test_failing_deferred_step_is_isolated():
    """A step whose Deferred fails leaves the reload successful."""
    svc = ReloadService(ImmediateReactor())
    svc.add("db", lambda: defer.fail(RuntimeError("db down")))
    results = []
    svc.reload().addCallback(results.append)
    assert results == [None]


def test_sighup_triggers_reload_and_stop_restores_handler():
    """SIGHUP while running reloads; after stopService the old handler is back."""
    calls = []
    svc = ReloadService(ImmediateReactor(), signum=signal.SIGUSR2)
    svc.add("step", lambda: calls.append(1))
    previous = signal.signal(signal.SIGUSR2, signal.SIG_IGN)
    try:
        svc.startService()
        os.kill(os.getpid(), signal.SIGUSR2)
        assert calls == [1]
        svc.stopService()
        assert signal.getsignal(signal.SIGUSR2) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGUSR2, previous)


def test_config_reader_without_a_file_is_none():
    """No configuration file: nothing to read again on SIGHUP."""
    from twisted.internet import reactor

    assert config_reader(reactor, lambda path: path, None) is None


@pytest_twisted.ensureDeferred
async def test_config_reader_reads_in_a_thread(tmp_path):
    """The reader loads the file in the reactor's thread pool, not in the reactor thread."""
    from twisted.internet import reactor

    path = tmp_path / "c.yml"
    path.write_text("x: 1\n")
    seen = {}

    def load(p: str) -> str:
        seen["thread"] = threading.current_thread()
        return Path(p).read_text()

    read = config_reader(reactor, load, str(path))
    assert await read() == "x: 1\n"
    assert seen["thread"] is not threading.main_thread()


@dataclasses.dataclass(frozen=True)
class _Config:
    listen: int = 1
    limits: int = 2
    name: str = "x"


def test_warn_restart_names_only_changed_keys_a_reload_does_not_apply():
    """Changed keys outside live_keys are logged once, in field order; the rest are not."""
    running = _Config()
    with capturedLogs() as events:
        warn_restart("d", running, running, ("limits",))
        warn_restart("d", running, _Config(limits=5), ("limits",))
        warn_restart("d", running, _Config(listen=9, limits=5, name="y"), ("limits",))
    assert [(e["daemon"], e["keys"]) for e in events] == [("d", "listen, name")]


def test_refused_configuration_is_one_line_and_never_reloaded():
    """A step refusing its new configuration logs one error line (password masked), no
    traceback and no "reloaded"; the next steps still run."""
    from xivo.config import ConfigError

    def refused():
        raise ConfigError("sources.crm.dsn: bad: postgresql://xivo:S3ntinel@[::1/xivo")

    calls = []
    svc = ReloadService(ImmediateReactor())
    svc.add("xivo-agid", refused)
    svc.add("users", lambda: calls.append("users"))
    with capturedLogs() as events:
        svc.reload()
    lines = [formatEvent(e) for e in events]
    assert calls == ["users"]
    assert [line for line in lines if "xivo-agid" in line and "not reloaded" in line]
    assert not [line for line in lines if line == "reloaded xivo-agid"]
    assert "reloaded users" in lines
    assert all(e.get("log_failure") is None for e in events)
    assert "S3ntinel" not in "\n".join(lines)
