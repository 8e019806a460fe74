"""Tests for xivo.combined.agid."""

from twisted.application.service import MultiService, Service
from twisted.internet import defer
from twisted.internet.testing import MemoryReactorClock

from xivo.combined.agid import add_directory_checks, find_directory, make_agid_reload
from xivo.config import ConfigError
from xivo.ops.health import HealthChecks
from xivo_agid.config import AgidConfig
from xivo_agid.directory.service import DirectoryService


class FakeSource:
    """A directory source that counts reloads and may report its health."""

    def __init__(self, name, healthy=None):
        self.name = name
        self.reloads = 0
        if healthy is not None:
            self.health = lambda: (healthy, {"error": "" if healthy else "down"})

    def reload(self):
        self.reloads += 1
        return defer.succeed(None)


def _tree(*sources):
    directory = DirectoryService(AgidConfig(), MemoryReactorClock())
    directory.sources = list(sources)
    root = MultiService()
    inner = MultiService()
    inner.setServiceParent(root)
    Service().setServiceParent(inner)
    directory.setServiceParent(inner)
    return root, directory


def test_find_directory_walks_the_tree():
    """The DirectoryService is found however deep it sits; None when absent."""
    root, directory = _tree()
    assert find_directory(root) is directory
    assert find_directory(MultiService()) is None


def test_one_check_per_source():
    """Each source gets a directory.<name> check reflecting its health."""
    root, _ = _tree(FakeSource("phonebook", healthy=True), FakeSource("crm", healthy=False))
    checks = HealthChecks()
    assert add_directory_checks(root, checks) == 2
    report = checks.report()
    assert report["checks"]["directory.phonebook"]["status"] == "up"
    assert report["checks"]["directory.crm"] == {"status": "down", "error": "down"}


def test_source_without_health_is_unknown():
    """A source that exposes no health is reported up with state unknown."""
    root, _ = _tree(FakeSource("plain"))
    checks = HealthChecks()
    add_directory_checks(root, checks)
    assert checks.report()["checks"]["directory.plain"] == {"status": "up", "state": "unknown"}


def test_reload_reloads_every_source():
    """A reload with a valid configuration reloads each source's data."""
    a, b = FakeSource("a"), FakeSource("b")
    root, _ = _tree(a, b)
    step = make_agid_reload(root, AgidConfig, AgidConfig())
    results = []
    step().addCallback(results.append)
    assert (a.reloads, b.reloads) == (1, 1)
    assert results == [None]


def test_bad_config_keeps_running_one():
    """A configuration that does not validate is not applied: nothing is reloaded."""
    a = FakeSource("a")
    root, _ = _tree(a)

    def broken():
        raise ConfigError("cache.ttl: expected a number")

    results = []
    make_agid_reload(root, broken, AgidConfig())().addCallback(results.append)
    assert a.reloads == 0
    assert results == [None]
