"""Tests of the per-address limits."""

from __future__ import annotations

from twisted.internet.task import Clock

from xivo_cti.cti._limits import AddressLimits


def limits(clock: Clock) -> AddressLimits:
    return AddressLimits(clock, max_connections=2, max_failures=2, failure_window=60)


def test_connections_counted_per_address() -> None:
    """Past max_connections an address is refused until one of its connections closes."""
    lim = limits(Clock())
    assert lim.connection_opened("a") and lim.connection_opened("a")
    assert not lim.connection_opened("a") and lim.connection_opened("b")
    lim.connection_closed("a")
    assert lim.connection_opened("a")


def test_failures_block_within_the_window() -> None:
    """max_failures within failure_window block the address; they age out."""
    clock = Clock()
    lim = limits(clock)
    lim.login_failed("a")
    clock.advance(30)
    lim.login_failed("a")
    assert lim.login_blocked("a") and not lim.login_blocked("b")
    clock.advance(30)
    assert not lim.login_blocked("a")


def test_forgiven_failure_no_longer_counts() -> None:
    """A failure taken back by its stamp stops counting; a wrong stamp takes nothing."""
    clock = Clock()
    lim = limits(clock)
    first = lim.login_failed("a")
    clock.advance(1)
    second = lim.login_failed("a")
    lim.login_forgiven("a", second + 100)
    assert lim.login_blocked("a")
    lim.login_forgiven("a", first)
    assert not lim.login_blocked("a")
    lim.login_forgiven("a", second)
    lim.login_forgiven("a", second)
    assert not lim.login_blocked("a")
