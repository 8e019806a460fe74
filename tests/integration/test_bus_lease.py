"""The ipbx lease against the private RabbitMQ: one holder at a time, the standby takes
over within 10 s when the holder's connection dies, commands reach the holder only."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest_twisted

from testing.waiting import eventually, sleep
from xivo_cti.bus import BusConnection, Lease

REPO = str(Path(__file__).resolve().parents[2])


class Candidate:
    def __init__(self, url: str, ipbx: str, name: str) -> None:
        from twisted.internet import reactor

        self.events: list[str] = []
        self.received: list[tuple[str, bytes]] = []
        self.lease = Lease(
            reactor,
            url,
            "xivo-test",
            ipbx,
            lambda key, body: self.received.append((key, body)),
            on_taken=lambda: self.events.append("taken"),
            on_lost=lambda: self.events.append("lost"),
        )
        self.name = name


HOLDER = """
import sys
from twisted.internet import reactor
from xivo_cti.bus import Lease
lease = Lease(reactor, sys.argv[1], "xivo-test", sys.argv[2], lambda key, body: None,
              on_taken=lambda: print("taken", flush=True),
              on_lost=lambda: print("lost", flush=True))
lease.startService()
reactor.run()
"""


def _holder(url: str, ipbx: str) -> subprocess.Popen[bytes]:
    """A process holding (or trying to hold) ``ipbx``: prints "taken", then "lost"."""
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, ipbx], stdout=subprocess.PIPE, cwd=REPO
    )


@pytest_twisted.ensureDeferred
async def test_one_holder_and_takeover_within_10_s(rabbitmq_server):
    """A holder in another process, a standby here: the standby waits while the holder
    lives, and holds the ipbx within 10 s of the holder's kill -9."""
    from twisted.internet import threads

    holder, standby = (
        _holder(rabbitmq_server.url, "lease-a"),
        Candidate(rabbitmq_server.url, "lease-a", "b"),
    )
    try:
        assert await threads.deferToThread(holder.stdout.readline) == b"taken\n"
        standby.lease.startService()
        await sleep(2.0)
        assert not standby.lease.held, "the standby must not hold while the holder lives"
        holder.kill()
        killed = time.monotonic()
        await eventually(lambda: standby.lease.held, timeout=10.0, what="takeover")
        assert time.monotonic() - killed < 10.0
        assert standby.events == ["taken"]
    finally:
        holder.kill()
        holder.wait()
        await standby.lease.stopService()


@pytest_twisted.ensureDeferred
async def test_frozen_holder_is_replaced_within_10_s(rabbitmq_server):
    """A holder that stops answering (SIGSTOP: what a dead host or a cut network looks like
    to the broker, its socket still open) loses the ipbx to the standby within 10 s, by
    missed heartbeats; thawed, it is told it lost the lease."""
    from twisted.internet import threads

    holder, standby = (
        _holder(rabbitmq_server.url, "lease-f"),
        Candidate(rabbitmq_server.url, "lease-f", "b"),
    )
    try:
        assert await threads.deferToThread(holder.stdout.readline) == b"taken\n"
        standby.lease.startService()
        await sleep(1.0)
        assert not standby.lease.held
        holder.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        await eventually(lambda: standby.lease.held, timeout=10.0, what="takeover")
        assert time.monotonic() - frozen < 10.0
        holder.send_signal(signal.SIGCONT)
        line = await threads.deferToThread(holder.stdout.readline)
        assert line == b"lost\n"
    finally:
        holder.kill()
        holder.wait()
        await standby.lease.stopService()


@pytest_twisted.ensureDeferred
async def test_never_two_holders(rabbitmq_server):
    """Three candidates for one ipbx, watched every 50 ms for 3 s: always exactly one."""
    from twisted.internet import reactor, task

    candidates = [Candidate(rabbitmq_server.url, "lease-b", str(n)) for n in range(3)]
    counts: list[int] = []
    watcher = task.LoopingCall(lambda: counts.append(sum(c.lease.held for c in candidates)))
    watcher.clock = reactor
    for candidate in candidates:
        candidate.lease.startService()
    try:
        await eventually(lambda: any(c.lease.held for c in candidates), what="a holder")
        watcher.start(0.05)
        await sleep(3.0)
        assert set(counts) == {1}
    finally:
        watcher.stop()
        for candidate in candidates:
            await candidate.lease.stopService()


@pytest_twisted.ensureDeferred
async def test_commands_reach_the_holder_only(rabbitmq_server):
    """A command published to ipbx.ID.command reaches the holder's lease queue."""
    from twisted.internet import reactor

    holder = Candidate(rabbitmq_server.url, "lease-c", "h")
    sender = BusConnection(reactor, rabbitmq_server.url, "xivo-test")
    holder.lease.startService()
    sender.startService()
    try:
        await eventually(lambda: holder.lease.held and sender.connected)
        await sender.publish("ipbx.lease-c.command", b"hangup")
        await sender.publish("ipbx.other.command", b"not mine")
        await eventually(lambda: holder.received, what="the command")
        await sleep(0.2)
        assert holder.received == [("ipbx.lease-c.command", b"hangup")]
    finally:
        await holder.lease.stopService()
        await sender.stopService()
