"""Publish and consume bus changes through a private RabbitMQ node.

Usage: .venv/bin/python -m benchmarks.bus_throughput.run [--rates 1000 5000 0] [--seconds 10]
       [--consumers 1]

One process, one reactor: a publishing ``BusConnection`` (confirm mode) and consuming
ones (each a server-named queue bound to ``ipbx.bench.change``), as nodes would use them.
Each message is an encoded ``Changes`` of one event carrying its send time; each of the
``--consumers`` connections (one per node following the ipbx) gets and decodes it.
A rate of 0 publishes as fast as confirms allow (``--window`` messages unconfirmed at
most). Per rate: messages/s delivered, publish-to-delivery latency (p50, p99, max), and
CPU per delivery of this process (both ends) and of the RabbitMQ node, and the
node's CPU per message published.
"""

from __future__ import annotations

import argparse
import os
import time

from twisted.internet import defer, reactor, task

from benchmarks._settings import announce, process_cpu
from testing.services.rabbitmq import RabbitMQNode
from testing.waiting import eventually
from xivo_cti.bus import BusConnection, Changes, Subscription, decode, encode

EVENT = [["Event", "Newstate"], ["Channel", "PJSIP/alice-00000001"], ["ChannelStateDesc", "Up"],
         ["CallerIDName", "Alice Martin"], ["CallerIDNum", "2001"]]  # fmt: skip


class Consumer:
    def __init__(self) -> None:
        self.latencies: list[float] = []

    def __call__(self, _key: str, body: bytes) -> None:
        changes = decode(body)
        assert isinstance(changes, Changes)
        self.latencies.append(time.perf_counter() - float(changes.events[0][-1][1]))


async def _publish(bus: BusConnection, rate: int, seconds: float, window: int) -> int:
    sent, seq, in_flight = 0, 0, set()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        target = rate * (time.perf_counter() - start) + 1 if rate else sent + window
        while sent < target and len(in_flight) < window:
            seq += 1
            event = [*EVENT, ["T", repr(time.perf_counter())]]
            body = encode(Changes(ipbx="bench", epoch="e", first_seq=seq, events=[event]))
            d = bus.publish("ipbx.bench.change", body)
            in_flight.add(d)
            d.addBoth(lambda _, d=d: in_flight.discard(d))
            sent += 1
        await task.deferLater(reactor, 0.001 if rate else 0, lambda: None)
    await defer.DeferredList(list(in_flight))
    return sent


async def measure(
    node: RabbitMQNode, beam: int, rate: int, seconds: float, window: int, consumers: int
) -> None:
    readers = [Consumer() for _ in range(consumers)]
    consuming = [
        BusConnection(reactor, node.url, "xivo-bench",
                      (Subscription("", ("ipbx.bench.change",), reader),))
        for reader in readers
    ]  # fmt: skip
    publishing = BusConnection(reactor, node.url, "xivo-bench")
    for connection in (*consuming, publishing):
        connection.startService()
    connected = (*consuming, publishing)
    await eventually(lambda: all(c.connected for c in connected), timeout=60, what="connected")
    own, broker, start = sum(os.times()[:2]), process_cpu(beam), time.perf_counter()
    sent = await _publish(publishing, rate, seconds, window)
    while (
        any(len(r.latencies) < sent for r in readers) and time.perf_counter() - start < seconds + 30
    ):
        await task.deferLater(reactor, 0.01, lambda: None)
    elapsed = time.perf_counter() - start
    own, broker = sum(os.times()[:2]) - own, process_cpu(beam) - broker
    got = sorted(t for r in readers for t in r.latencies)
    n = len(got)
    print(
        f"rate {rate or 'max'}: sent {sent}, delivered {n} to {consumers} consumer(s) in"
        f" {elapsed:.1f} s = {n / elapsed:,.0f}/s;"
        f" latency p50 {got[n // 2] * 1e3:.1f} ms, p99 {got[int(n * 0.99)] * 1e3:.1f} ms,"
        f" max {got[-1] * 1e3:.1f} ms; CPU per delivery: this process {own / n * 1e6:.0f} us,"
        f" RabbitMQ {broker / n * 1e6:.0f} us; RabbitMQ per message published"
        f" {broker / max(1, sent) * 1e6:.0f} us",
        flush=True,
    )
    for connection in (*consuming, publishing):
        await connection.stopService()


async def run(opts: argparse.Namespace) -> None:
    node = RabbitMQNode()
    try:
        node.start()
        with open(node.env["RABBITMQ_PID_FILE"]) as f:
            beam = int(f.read().strip())
        for rate in opts.rates:
            await measure(node, beam, rate, opts.seconds, opts.window, opts.consumers)
    finally:
        node.destroy()


def main() -> None:
    """Measure each rate and print one line per rate."""
    args = argparse.ArgumentParser()
    args.add_argument("--rates", type=int, nargs="+", default=[1000, 5000, 0])
    args.add_argument("--seconds", type=float, default=10.0)
    args.add_argument("--window", type=int, default=1000)
    args.add_argument("--consumers", type=int, default=1, help="consuming connections")
    opts = args.parse_args()
    runs = "BusConnection publish (confirms) + consume through a private RabbitMQ 3.10 node"
    announce(opts, runs + " (Debian's rabbitmq-server, defaults), both ends in this process")
    failures: list[BaseException] = []
    d = defer.ensureDeferred(run(opts))
    d.addErrback(lambda f: failures.append(f.value))
    d.addBoth(lambda _: reactor.stop())
    reactor.run()
    if failures:
        raise failures[0]


if __name__ == "__main__":
    main()
