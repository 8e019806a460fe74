"""Tests for xivo.ops.daemon: the --config command line and the operations wrapper."""

import gc
import signal

import pytest
from twisted.application.internet import TCPServer
from twisted.application.service import Service
from twisted.internet.testing import MemoryReactor, MemoryReactorClock
from twisted.python import usage

from xivo.config import ConfigError
from xivo.ops.config import OpsHTTPConfig
from xivo.ops.daemon import ConfigOptions, with_operations
from xivo.ops.heap import HeapFreeze
from xivo.ops.reload import ReloadService


class Options(ConfigOptions):
    @staticmethod
    def load_config(path):
        if path == "bad.yml":
            raise ConfigError("bad.yml: listen.port: expected an integer, got 'x'")
        return {"path": path}


def test_config_is_loaded_at_parse_time():
    """--config is loaded by parseOptions and kept under "loaded"; no file gives defaults."""
    options = Options()
    options.parseOptions(["--config", "good.yml"])
    assert options["loaded"] == {"path": "good.yml"}
    options = Options()
    options.parseOptions([])
    assert options["loaded"] == {"path": None}


def test_config_error_is_a_usage_error_naming_the_key():
    """A ConfigError stops twistd with its message (UsageError), naming file and key."""
    with pytest.raises(usage.UsageError, match="bad.yml: listen.port"):
        Options().parseOptions(["--config", "bad.yml"])


def test_reload_then_parts_then_http():
    """SIGHUP first, then the parts in order (each given the shared checks and reloader),
    HTTP and the heap freeze."""
    seen = []

    def part(name):
        def build(checks, reloader):
            seen.append((name, checks, reloader))
            service = Service()
            service.setName(name)
            return service

        return build

    top = with_operations(MemoryReactor(), OpsHTTPConfig(port=0), part("a"), part("b"))
    names = [s.name for s in top]
    assert names[1:3] == ["a", "b"]
    assert len(names) == 5 and isinstance(list(top)[0], ReloadService)
    assert isinstance(list(top)[3], TCPServer) and isinstance(list(top)[4], HeapFreeze)
    (_, checks_a, reloader_a), (_, checks_b, reloader_b) = seen
    assert checks_a is checks_b and reloader_a is reloader_b is list(top)[0]
    try:
        gc.unfreeze()
        reloader_a.reload()
        assert gc.get_freeze_count() > 0  # the heap refrozen, by the last reload step
    finally:
        gc.unfreeze()


def test_sighup_is_handled_before_any_part_opens_its_port():
    """When a part starts (and its port begins to answer), SIGHUP already reaches the
    reloader: a reload asked for then is not the signal's default action (exit)."""
    handlers = []

    class Listening(Service):
        def startService(self):
            super().startService()
            handlers.append(signal.getsignal(signal.SIGHUP))

    top = with_operations(
        MemoryReactorClock(), OpsHTTPConfig(enabled=False), lambda c, r: Listening()
    )
    before = signal.getsignal(signal.SIGHUP)
    top.startService()
    try:
        (handler,) = handlers
        assert handler not in (signal.SIG_DFL, signal.SIG_IGN, before)
        assert getattr(handler, "__self__", None) is list(top)[0]
    finally:
        top.stopService()
        gc.unfreeze()
    assert signal.getsignal(signal.SIGHUP) == before


def test_http_disabled_adds_no_server():
    """With http.enabled false only the reload service, the parts and the heap freeze
    remain."""
    top = with_operations(MemoryReactor(), OpsHTTPConfig(enabled=False))
    services = list(top)
    assert len(services) == 3 and isinstance(services[0], ReloadService)
    assert isinstance(services[2], HeapFreeze)
    assert not isinstance(services[1], TCPServer)
