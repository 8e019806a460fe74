"""One node of the bus fan-out benchmark, in its own process on the daemons' reactor.

    BUS_URL=amqp://... .venv/bin/python -m benchmarks.bus_fanout.node --role a|b|single [options]

``single`` holds ipbx ``a`` and ``b`` with no bus: both AMI streams are parsed here.
``a`` (``b``) holds its ipbx through the bus (``BusNode``: the lease, the publisher) and
follows the other, whose changes come from RabbitMQ; a push caused by such a change is
stamped with the change's scheduled AMI arrival on its holder (``Arrivals``), so the
clients' delays are from AMI arrival on the other node; the bus's part of them (from that
arrival to the change's application here) is kept too.  Every node serves ``--clients``
supervisors (``benchmarks.cti_fanout.clients``) following both ipbx.  Prints ``ready``
once they are logged in, reads the start time (Unix seconds) on stdin, feeds its stream(s)
from then on (``--rate`` events/s each), and prints one JSON object (the last line).
"""

from __future__ import annotations

from xivo.ops import reactor as daemon_reactor

reactor = daemon_reactor.install()  # as twistd --reactor=xivo, before anything imports one

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from typing import Any  # noqa: E402

import bcrypt  # noqa: E402
from twisted.application.service import Service  # noqa: E402
from twisted.internet import defer, task, threads  # noqa: E402

from benchmarks.bus_fanout.arrivals import Arrivals  # noqa: E402
from benchmarks.cti_fanout.clients import run_clients  # noqa: E402
from benchmarks.cti_fanout.harness import (  # noqa: E402
    delivery_figures,
    feed_on_schedule,
    quantiles,
    wait_for,
    wire,
)
from benchmarks.cti_fanout.measure import ArrivalClock  # noqa: E402
from benchmarks.cti_fanout.stream import BANNER, ami_events, push_lines, users  # noqa: E402
from xivo_cti.ami import AMIParser, Message  # noqa: E402
from xivo_cti.app import CTIParts  # noqa: E402
from xivo_cti.bus import BusConfig, BusNode  # noqa: E402
from xivo_cti.commands import LocalAsterisk  # noqa: E402
from xivo_cti.cti import CTIConfig, make_cti_service  # noqa: E402
from xivo_cti.state import Change, LiveState  # noqa: E402
from xivo_cti.users import User  # noqa: E402

IPBX = ("a", "b")
EXCHANGE = "xivo-bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", choices=["a", "b", "single"], required=True)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--users", type=int, default=100, help="per ipbx")
    parser.add_argument("--rate", type=int, default=2500, help="AMI events/s per ipbx")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--profile", default="supervisor")
    parser.add_argument("--tick", type=float, default=0.002, help="seconds between AMI reads")
    parser.add_argument("--push-interval", type=float, default=CTIConfig.push_interval)
    parser.add_argument("--writes-per-pass", type=int, default=CTIConfig.writes_per_pass)
    return parser.parse_args()


class Node:
    """The CTI half over the ipbx of ``role``, with a bus unless ``single``."""

    def __init__(
        self,
        args: argparse.Namespace,
        clock: ArrivalClock,
        table: tuple[User, ...],
        streams: dict[str, list[bytes]],
    ) -> None:
        self.own = IPBX if args.role == "single" else (args.role,)
        self.states = {ipbx: LiveState(clock) for ipbx in self.own}
        no_ami = {ipbx: LocalAsterisk(None) for ipbx in self.own}  # type: ignore[arg-type]
        self.bus: BusNode | None = None
        self.arrivals: Arrivals | None = None
        self.bus_delays: list[float] = []
        self._clock = clock
        if args.role == "single":
            self.parts = wire(reactor, clock, args, table, self.states, no_ami)
        else:
            (other,) = set(IPBX) - set(self.own)
            batch = round(args.rate * args.tick)
            self.arrivals = Arrivals(BANNER, streams[other], batch, args.tick)
            config = BusConfig(url=os.environ["BUS_URL"], exchange=EXCHANGE)
            amis = {ipbx: (Service(), asterisk) for ipbx, asterisk in no_ami.items()}
            self.bus = BusNode(config, reactor, self.states, amis,  # type: ignore[arg-type]
                               event=self._remote_event, changed=self._changed)  # fmt: skip
            self.parts = wire(reactor, clock, args, table, self.states, self.bus.asterisks,
                              self.bus.status_changed)  # fmt: skip
            ctx = self.parts.ctx
            ctx.sessions.relay = self.bus.share_status(
                ctx.book, ctx.users, ctx.lists.ipbx_of, self.parts.feed.status_changed,
                ctx.sessions.deliver,
            )  # fmt: skip
            self.bus.startService()
        self.feeds = [self._feed(ipbx) for ipbx in self.own]

    def _feed(self, ipbx: str) -> Callable[[bytes], None]:
        """Parse AMI bytes of ``ipbx`` and run the data path (then the bus's publisher)."""
        parser = AMIParser()
        parser.receive_data(BANNER)
        next(iter(parser))
        feed: CTIParts = self.parts
        publish = None if self.bus is None else self.bus.event_of(ipbx)

        def received(data: bytes) -> None:
            parser.receive_data(data)
            for message in parser:
                feed.feed.event(message, ipbx)
                if publish is not None:
                    publish(message)

        return received

    def _remote_event(self, message: Message, ipbx: str) -> None:
        assert self.arrivals is not None
        arrival = self._clock.arrival = self.arrivals.arrival(message)
        if arrival is not None:
            self.bus_delays.append(time.time() - arrival)
        self.parts.feed.event(message, ipbx)
        self._clock.arrival = None

    def _changed(self, changes: Sequence[Change], ipbx: str) -> None:
        self.parts.feed.followed(changes, ipbx)

    def published(self) -> int:
        """How many changes this node published on the bus."""
        return 0 if self.bus is None else sum(self.bus.publishers[i].seq for i in self.own)

    def messages(self) -> int:
        """How many ``changes`` messages carried them."""
        return 0 if self.bus is None else sum(self.bus.publishers[i].messages for i in self.own)

    @defer.inlineCallbacks
    def ready(self):
        """Once this node holds its ipbx and follows the other from a snapshot."""
        while self.bus is not None and not (
            set(self.own) <= self.bus.held and set(IPBX) <= set(self.states)
        ):
            yield task.deferLater(reactor, 0.1, lambda: None)
        yield task.deferLater(reactor, 2.0, lambda: None)  # the snapshot's round trip


def main() -> None:
    args = parse_args()
    n = args.users
    streams = {ipbx: ami_events(args.rate, args.seconds, n, i * n) for i, ipbx in enumerate(IPBX)}
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    table = users(2 * n, args.profile, pw, IPBX)
    ticks, batch = round(args.seconds / args.tick), round(args.rate * args.tick)
    fed = {ipbx: events[: ticks * batch] for ipbx, events in streams.items()}
    published = sum(len(p) for ipbx in IPBX for p in push_lines(fed[ipbx], table, ipbx))
    clock = ArrivalClock(reactor)
    node = Node(args, clock, table, streams)
    svc = make_cti_service(node.parts.ctx, clock)
    svc.startService()
    port = svc.port.getHost().port  # type: ignore[union-attr]  # started above
    out: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(
        target=run_clients, args=(port, args.clients, 2 * n, args.seconds, out, published)
    )
    result: dict[str, Any] = {"role": args.role}

    @defer.inlineCallbacks
    def drive():
        yield node.ready()
        child.start()
        yield wait_for(reactor, out)
        out.get()
        print("ready", flush=True)
        start = float((yield threads.deferToThread(sys.stdin.readline)))
        if node.arrivals is not None:
            node.arrivals.start = start
        delay = start - time.time()
        yield task.deferLater(reactor, max(0.0, delay), lambda: None)
        cpu0 = time.process_time()

        def one_tick(tick: int) -> None:
            for feed, ipbx in zip(node.feeds, node.own, strict=True):
                feed(b"".join(streams[ipbx][tick * batch : (tick + 1) * batch]))

        lateness = yield feed_on_schedule(clock, start, args.tick, ticks, one_tick)
        cpu1, fed_at = time.process_time(), time.time()
        yield wait_for(reactor, out)
        cpu2 = time.process_time()
        report = out.get()
        result.update(
            delivery_figures(report, published, lateness),
            cpu_feeding=(cpu1 - cpu0) / (fed_at - start),
            cpu_seconds=cpu2 - cpu0,
            cpu_us_per_delivery=(cpu2 - cpu0) / max(1, report["lines"]) * 1e6,
            reader_cpu=report["cpu"],
            unmatched=0 if node.arrivals is None else node.arrivals.unmatched,
            bus=quantiles(sorted(node.bus_delays)),
            changes_published=node.published(),
            messages_published=node.messages(),
            changes_followed=0 if node.arrivals is None else node.arrivals.matched,
        )
        reactor.stop()

    reactor.callWhenRunning(drive)
    reactor.run()
    child.join()
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
