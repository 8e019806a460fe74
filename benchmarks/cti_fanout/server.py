"""One round of the CTI fan-out benchmark: one server, its clients, the AMI feed.

    .venv/bin/python -m benchmarks.cti_fanout.server --server xivo-ctid|floor|... [options]

Runs on the daemons' reactor (``twistd --reactor=xivo``).  The server is xivo-ctid
(the project's ``AMIParser``, ``LiveState`` and CTI service), xivo-ctid-ws (the same,
its clients on the web panel's WebSocket listener), xivo-ctid-twisted (the CTI port's
clients on Twisted's own TCP transport, as before ``DirectWriteServer``) or the floor
(``floor.py``), on a free loopback port; a child process (``clients.py``) logs the
clients in and reads.
The AMI stream (``stream.py``) is fed to the server in batches every ``--tick`` seconds
at ``--rate`` events/s (open loop: a late batch is not skipped).  The server's clock stamps
``timenow`` with the batch's *scheduled* arrival time, so a client's ``receive time -
timenow`` is the whole delay from AMI arrival to delivery, reactor queueing included.
Prints one JSON object (the last line).
"""

from __future__ import annotations

from xivo.ops import reactor as daemon_reactor

reactor = daemon_reactor.install()  # as twistd --reactor=xivo, before anything imports one

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
from array import array  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import bcrypt  # noqa: E402
from twisted.internet import defer, task, tcp  # noqa: E402

from benchmarks.cti_fanout.clients import SAMPLE, run_clients  # noqa: E402
from benchmarks.cti_fanout.floor import Floor, FloorFactory  # noqa: E402
from benchmarks.cti_fanout.harness import wire  # noqa: E402
from benchmarks.cti_fanout.measure import ArrivalClock, SendSampler, SyscallCount, pct  # noqa: E402
from benchmarks.cti_fanout.stream import (  # noqa: E402
    BANNER,
    add_load_options,
    ami_events,
    push_lines,
    users,
)
from xivo.direct_write import DirectWriteServer  # noqa: E402
from xivo_cti.ami import AMIParser  # noqa: E402
from xivo_cti.commands import LocalAsterisk  # noqa: E402
from xivo_cti.cti import CTIConfig, make_cti_service  # noqa: E402
from xivo_cti.state import LiveState  # noqa: E402
from xivo_cti.web import Assets, WebConfig, make_web_service  # noqa: E402

Feed = Callable[[bytes], None]


def start_ctid(args: argparse.Namespace, clock: ArrivalClock, table: Any) -> tuple[int, Feed]:
    """The CTI half of xivo-ctid on a free port (the web panel's listener for
    xivo-ctid-ws); the feed parses and runs the data path."""
    state = LiveState(clock)
    parts = wire(
        reactor, clock, args, table, {CTIConfig.ipbxid: state},
        {CTIConfig.ipbxid: LocalAsterisk(None)},  # type: ignore[arg-type]  # no AMI
    )  # fmt: skip
    if args.server == "xivo-ctid-ws":
        svc = make_web_service(WebConfig(enabled=True, port=0), parts.ctx, CTIConfig().tls,
                               clock, Assets({}))  # fmt: skip
    else:
        svc = make_cti_service(parts.ctx, clock)
    svc.startService()
    if args.server == "xivo-ctid-twisted":  # its clients on Twisted's own TCP transport
        svc.port.transport = tcp.Server
    ami = AMIParser()
    ami.receive_data(BANNER)
    next(iter(ami))

    def feed(data: bytes) -> None:
        ami.receive_data(data)
        for msg in ami:
            parts.feed.event(msg)

    return svc.port.getHost().port, feed


def start_floor(args: argparse.Namespace, clock: ArrivalClock, lines: list) -> tuple[int, Feed]:
    """The floor on a free port; the feed finds event boundaries only."""
    writes = (
        args.writes_per_pass if args.floor_writes_per_pass is None else args.floor_writes_per_pass
    )
    floor = Floor(clock, lines, args.push_interval, writes)
    port = reactor.listenTCP(0, FloorFactory(floor), interface="127.0.0.1")
    port.transport = DirectWriteServer  # as xivo-ctid's ports: equal work per send
    return port.getHost().port, floor.receive


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        choices=["xivo-ctid", "xivo-ctid-ws", "xivo-ctid-twisted", "floor"],
        default="xivo-ctid",
    )
    add_load_options(parser)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    events = ami_events(args.rate, args.seconds, args.users)
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    table = users(args.users, args.profile, pw)
    lines = push_lines(events, table, CTIConfig.ipbxid)
    clock = ArrivalClock(reactor)
    if args.server == "floor":
        port, feed = start_floor(args, clock, lines)
    else:
        port, feed = start_ctid(args, clock, table)
    ticks = round(args.seconds / args.tick)
    batch = round(args.rate * args.tick)
    published = sum(len(p) for p in lines[: ticks * batch])
    out: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(
        target=run_clients,
        args=(
            port,
            args.clients,
            args.users,
            args.seconds,
            out,
            published,
            args.server == "xivo-ctid-ws",
        ),  # fmt: skip
    )
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child.start()
    result: dict[str, Any] = {"server": args.server}

    @defer.inlineCallbacks
    def drive():
        while out.empty():
            yield task.deferLater(reactor, 0.1, lambda: None)
        out.get()
        connections = [c for c in reactor.getReaders() if isinstance(c, tcp.Server)]
        sampler, syscalls = SendSampler(), SyscallCount()
        for connection in sorted(connections, key=id)[::SAMPLE]:
            sampler.sample(connection)
        syscalls.start()
        yield task.deferLater(reactor, 1.0, lambda: None)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        lateness: list[float] = []
        # A whole second: every timenow then has as many digits in both servers' runs.
        cpu0, start = time.process_time(), float(math.ceil(time.time()))
        for tick in range(ticks):
            due = start + tick * args.tick
            delay = due - time.time()
            if delay > 0:
                yield task.deferLater(reactor, delay, lambda: None)
            lateness.append(max(0.0, time.time() - due))
            clock.arrival = due
            feed(b"".join(events[tick * batch : (tick + 1) * batch]))
            clock.arrival = None
        cpu1, fed = time.process_time(), time.time()
        while out.empty():
            yield task.deferLater(reactor, 0.2, lambda: None)
        cpu2 = time.process_time()
        calls = syscalls.stop()
        report = out.get()
        delays = array("d")
        delays.frombytes(report["delays"])
        client_lines, client_bytes = array("q"), array("q")
        client_lines.frombytes(report["client_lines"])
        client_bytes.frombytes(report["client_bytes"])
        waits = array("d")
        waits.frombytes(report["waits"])
        ordered, late, waits = sorted(delays), sorted(lateness), sorted(waits)
        result.update(
            published=published,
            deliveries=report["lines"],
            sampled=len(ordered),
            client_lines=[min(client_lines), max(client_lines)],
            client_bytes=[min(client_bytes), max(client_bytes)],
            p50_ms=pct(ordered, 0.5),
            p99_ms=pct(ordered, 0.99),
            max_ms=pct(ordered, 1),
            lateness_p99_ms=pct(late, 0.99),
            cpu_feeding=(cpu1 - cpu0) / (fed - start),
            cpu_us_per_delivery=(cpu2 - cpu0) / max(1, report["lines"]) * 1e6,
            reader_cpu=report["cpu"],
            reader_wait_ms=[pct(waits, 0.5), pct(waits, 0.99)],
            reads_per_client=report["reads"] / args.clients,
            syscalls=calls,
            sends_per_client=calls.get("sendto", 0) / args.clients,
            cpu_us_per_send=(cpu2 - cpu0) / max(1, calls.get("sendto", 0)) * 1e6,
            server_ms=sampler.summary(),
            kib_per_client=(rss1 - rss0) / args.clients,
        )
        reactor.stop()

    reactor.callWhenRunning(drive)
    reactor.run()
    child.join()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
