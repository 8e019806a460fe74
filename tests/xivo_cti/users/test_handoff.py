"""Tests of the verifier cache handed to the next process through systemd's descriptor
store, with a datagram socket standing in for systemd's notify socket (``FakeSystemd``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from twisted.internet.task import Clock
from twisted.logger import formatEvent, globalLogPublisher

from testing.systemd import FakeSystemd
from tests.xivo_cti.conftest import sample_users
from xivo_cti.users._handoff import FDNAME, MEMFD_NAME, VerifierHandoff
from xivo_cti.users._verifiers import VerifierCache


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    manager = FakeSystemd(tmp_path / "notify")
    yield manager
    manager.close()


def process(environ: dict[str, str], first_fd: int = 3) -> tuple[Clock, VerifierHandoff]:
    """The handoff of one xivo-ctid process (a fresh cache: a fresh key)."""
    clock = Clock()
    clock.advance(1000)
    cache = VerifierCache(600, lambda login: False)
    return clock, VerifierHandoff(cache, clock, environ, interval=30, first_fd=first_fd)


def test_verifiers_reach_the_next_process(systemd: FakeSystemd) -> None:
    """The first process gives systemd one memfd named verifiers and saves into it when
    it stops; the next one, handed that descriptor, answers alice's login from the cache
    and stores no second descriptor."""
    alice, bob, _carol = sample_users()
    clock, first = process({"NOTIFY_SOCKET": systemd.path})
    first.startService()
    assert systemd.receive() == [f"FDSTORE=1\nFDNAME={FDNAME}"] and len(systemd.kept) == 1
    first.cache.remember(alice, "alice-pw", clock.seconds())
    first.stopService()
    assert os.readlink(f"/proc/self/fd/{systemd.kept[0]}").startswith("/memfd:")

    _clock, second = process(systemd.restart_environ(), first_fd=systemd.pass_on())
    second.startService()
    assert second.cache.matches(alice, "alice-pw", 1010)
    assert not second.cache.matches(alice, "wrong", 1010)
    assert not second.cache.matches(bob, "bob-pw", 1010)
    assert systemd.receive() == []
    second.stopService()


def test_saved_periodically_for_a_crash(systemd: FakeSystemd) -> None:
    """Without a clean stop (a crash), what was saved at the last interval is handed on."""
    alice, _bob, _carol = sample_users()
    clock, first = process({"NOTIFY_SOCKET": systemd.path})
    first.startService()
    systemd.receive()
    first.cache.remember(alice, "alice-pw", clock.seconds())
    clock.advance(30)
    _clock, second = process(systemd.restart_environ(), first_fd=systemd.pass_on())
    second.startService()
    assert second.cache.matches(alice, "alice-pw", 1040)
    second.stopService()
    os.close(first.fd)  # the crashed process's own copy


def test_nothing_kept_outside_systemd_or_with_the_cache_off(systemd: FakeSystemd) -> None:
    """No notify socket, or cti.login_cache_ttl 0: no descriptor, nothing saved."""
    clock, alone = process({})
    alone.startService()
    assert alone.fd is None
    alone.stopService()
    off = VerifierHandoff(VerifierCache(0, bool), clock, {"NOTIFY_SOCKET": systemd.path})
    off.startService()
    assert off.fd is None and systemd.receive() == []
    off.stopService()


def test_a_broken_handoff_starts_cold_with_one_line(systemd: FakeSystemd) -> None:
    """A descriptor holding something else is not used: a warning, an empty cache, and
    the daemon goes on (and saves its own cache there from then on)."""
    alice, _bob, _carol = sample_users()
    fd = os.memfd_create(MEMFD_NAME)
    os.write(fd, b"not json")
    systemd.kept.append(fd)
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        _clock, process_ = process(systemd.restart_environ(), first_fd=systemd.pass_on())
        process_.startService()
    finally:
        globalLogPublisher.removeObserver(events.append)
    assert len(process_.cache) == 0
    assert any("not used" in formatEvent(e) for e in events)
    process_.cache.remember(alice, "alice-pw", 1000)
    process_.stopService()
    _clock, next_ = process(systemd.restart_environ(), first_fd=systemd.pass_on())
    next_.startService()
    assert next_.cache.matches(alice, "alice-pw", 1010)
    next_.stopService()


def test_found_once_twisted_took_listen_fds_out(systemd: FakeSystemd) -> None:
    """Importing twisted.internet.endpoints removes LISTEN_PID and LISTEN_FDS: the memfd
    is still found by its name in LISTEN_FDNAMES; another descriptor there is not used."""
    alice, _bob, _carol = sample_users()
    clock, first = process({"NOTIFY_SOCKET": systemd.path})
    first.startService()
    systemd.receive()
    first.cache.remember(alice, "alice-pw", clock.seconds())
    first.stopService()
    environ = {"LISTEN_FDNAMES": f"other:{FDNAME}"}
    passed = systemd.pass_on()
    _clock, second = process(environ, first_fd=passed - 1)
    second.startService()
    assert second.fd == passed and second.cache.matches(alice, "alice-pw", 1010)
    second.stopService()
    with open(os.devnull) as not_ours:
        _clock, third = process({"LISTEN_FDNAMES": FDNAME}, first_fd=not_ours.fileno())
        third.startService()
        assert third.fd is None and len(third.cache) == 0


def test_descriptors_meant_for_another_process_are_ignored(systemd: FakeSystemd) -> None:
    """LISTEN_PID of another process (an environment inherited by a child): not ours."""
    clock, first = process({"NOTIFY_SOCKET": systemd.path})
    first.startService()
    systemd.receive()
    first.stopService()
    environ = {**systemd.restart_environ(), "LISTEN_PID": "1"}
    passed = systemd.pass_on()
    _clock, other = process(environ, first_fd=passed)
    other.startService()
    assert other.fd != passed and len(systemd.receive()) == 1  # a memfd of its own
    other.stopService()
    os.close(passed)
