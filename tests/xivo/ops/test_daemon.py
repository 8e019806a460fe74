"""Tests for xivo.ops.daemon: the --config command line and the operations wrapper."""

import gc

import pytest
from twisted.application.internet import TCPServer
from twisted.application.service import Service
from twisted.internet.testing import MemoryReactor
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


def test_parts_then_http_then_reload():
    """Parts are added in order, get the shared checks and reloader, then HTTP and SIGHUP."""
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
    assert names[:2] == ["a", "b"]
    assert len(names) == 5 and isinstance(list(top)[3], ReloadService)
    assert isinstance(list(top)[2], TCPServer) and isinstance(list(top)[4], HeapFreeze)
    (_, checks_a, reloader_a), (_, checks_b, reloader_b) = seen
    assert checks_a is checks_b and reloader_a is reloader_b is list(top)[3]
    try:
        gc.unfreeze()
        reloader_a.reload()
        assert gc.get_freeze_count() > 0  # the heap refrozen, by the last reload step
    finally:
        gc.unfreeze()


def test_http_disabled_adds_no_server():
    """With http.enabled false only the parts, the reload service and the heap freeze
    remain."""
    top = with_operations(MemoryReactor(), OpsHTTPConfig(enabled=False))
    services = list(top)
    assert len(services) == 3 and isinstance(services[1], ReloadService)
    assert isinstance(services[2], HeapFreeze)
    assert not isinstance(services[0], TCPServer)
