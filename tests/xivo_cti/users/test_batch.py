"""Tests of the status batch: users' status changes passed on at most once per interval."""

from __future__ import annotations

import json

from twisted.internet.task import Clock

from xivo_cti.users import StatusBatch


def batch(interval: float) -> tuple[Clock, StatusBatch, list[list[str]]]:
    clock = Clock()
    clock.advance(100)
    delivered: list[list[str]] = []
    return clock, StatusBatch(clock, interval, delivered.append), delivered


def test_a_change_after_a_quiet_interval_goes_on_at_once() -> None:
    """The first change is delivered in the same call, as if nothing were in between."""
    clock, status, delivered = batch(0.5)
    status.changed(["alice"])
    assert delivered == [["alice"]] and not clock.getDelayedCalls()


def test_changes_within_the_interval_go_on_together_each_login_once() -> None:
    """A storm of changes after the first is held until the interval has passed since
    the last delivery, then delivered in one call, each login once, in order."""
    clock, status, delivered = batch(0.5)
    status.changed(["u0"])
    for login in ["u1", "u2", "u1"]:
        clock.advance(0.125)
        status.changed([login])
    assert delivered == [["u0"]]
    clock.advance(0.125)
    assert delivered == [["u0"], ["u1", "u2"]]
    status.changed(["u3"])
    clock.advance(0.375)
    assert len(delivered) == 2
    clock.advance(0.125)
    assert delivered[2:] == [["u3"]] and not clock.getDelayedCalls()


def test_nothing_changed_schedules_nothing() -> None:
    """An empty change (a presence set to what it was) neither delivers nor waits."""
    clock, status, delivered = batch(0.5)
    status.changed([])
    assert delivered == [] and not clock.getDelayedCalls()


def test_zero_interval_passes_every_change_on_at_once() -> None:
    """Interval 0 turns the batching off."""
    clock, status, delivered = batch(0.0)
    status.changed(["a"])
    status.changed(["b", "c"])
    assert delivered == [["a"], ["b", "c"]] and not clock.getDelayedCalls()


def test_logins_and_logouts_within_the_interval_cost_a_client_one_write(rig) -> None:
    """In the CTI server: a client already in gets the first login's push at once, then
    the logins and logouts of the next status_push_interval in one write, each user once
    (in the order of its first change) with the state it then has; a user's own presence
    change is pushed at once."""
    alice = rig.logged_in("alice")
    rig.clock.advance(10)
    alice.received()
    writes: list[bytes] = []
    alice.proto.transport.write = writes.append
    bob = rig.logged_in("bob")
    rig.clock.advance(rig.ctx.config.push_interval)
    assert len(writes) == 1
    carol = rig.logged_in("carol")
    bob.proto.connectionLost(None)
    rig.clock.advance(rig.ctx.config.push_interval)
    assert len(writes) == 1
    rig.clock.advance(rig.ctx.config.status_push_interval)
    assert len(writes) == 2
    pushed = [json.loads(line) for line in writes[1].splitlines()]
    assert [(m["tid"], m["status"]["availstate"]) for m in pushed] == [
        ("3", "available"), ("2", "disconnected")
    ]  # fmt: skip
    carol.send(**{"class": "availstate", "availstate": "away", "commandid": 5})
    rig.clock.advance(rig.ctx.config.push_interval)
    assert len(writes) == 3 and b'"away"' in writes[2]
