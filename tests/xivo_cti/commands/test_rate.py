"""Tests of the per-user command rate limit (xivo_cti.commands._rate) and its use."""

from __future__ import annotations

from twisted.internet.task import Clock

from tests.xivo_cti.conftest import Rig
from xivo_cti.commands import CommandRate
from xivo_cti.cti._config import CTIConfig


def test_burst_then_rate() -> None:
    """A user gets ``burst`` commands at once, then ``rate`` per second."""
    clock = Clock()
    rate = CommandRate(clock, rate=2.0, burst=3)
    assert [rate.allow("bob") for _ in range(4)] == [True, True, True, False]
    clock.advance(0.5)
    assert [rate.allow("bob") for _ in range(2)] == [True, False]
    assert rate.allow("alice")


def test_full_buckets_are_forgotten() -> None:
    """Users idle long enough for a full bucket are dropped from memory."""
    clock = Clock()
    rate = CommandRate(clock, rate=1.0, burst=2)
    for n in range(100):
        rate.allow(f"u{n}")
    clock.advance(10)
    rate.allow("last")
    assert len(rate._buckets) <= 64


def test_a_dial_storm_does_not_reach_asterisk() -> None:
    """2,000 dials back to back: only the burst reaches AMI, the rest are refused with
    rate_limited; a second later the user may dial again (issue 12, degrade)."""
    rig = Rig(CTIConfig(command_rate=10.0, command_burst=20))
    client = rig.logged_in("carol")
    for n in range(2000):
        client.send(**{"class": "ipbxcommand", "command": "dial", "destination": "exten:xivo/2001",
                       "commandid": n})  # fmt: skip
    replies = client.received()
    assert len(rig.ami.actions) == 20
    limited = [r for r in replies if r.get("error_string") == "rate_limited"]
    assert len(limited) == 1980
    rig.clock.advance(1.0)
    client.send(**{"class": "ipbxcommand", "command": "dial", "destination": "2001"})
    assert len(rig.ami.actions) == 21


def test_queries_are_not_limited(rig: Rig) -> None:
    """getlist and keepalive never count against the rate (a client loads its lists)."""
    client = rig.logged_in("alice")
    for _ in range(100):
        client.send(**{"class": "getlist", "function": "listid", "listname": "users"})
    assert not any(r.get("error_string") for r in client.received())
