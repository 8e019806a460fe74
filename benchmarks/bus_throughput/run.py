"""Publish and consume bus changes through a private RabbitMQ node.

Usage: .venv/bin/python -m benchmarks.bus_throughput.run [--rates 1000 5000 0] [--seconds 10]

One process, one reactor: a publishing ``BusConnection`` (confirm mode) and a consuming
one (a server-named queue bound to ``ipbx.bench.change``), as two nodes would use them.
Each message is an encoded ``Change`` carrying its send time; the consumer decodes it.
A rate of 0 publishes as fast as confirms allow (``--window`` messages unconfirmed at
most). Per rate: messages/s delivered, publish-to-delivery latency (p50, p99, max), and
CPU per message of this process (both ends) and of the RabbitMQ node.
"""

from __future__ import annotations

import argparse
import os
import time

from twisted.internet import defer, reactor, task

from benchmarks._settings import announce
from testing.services.rabbitmq import RabbitMQNode
from testing.waiting import eventually
from xivo_cti.bus import BusConnection, Change, Subscription, decode, encode

PAYLOAD = {"kind": "channel", "channel": "PJSIP/alice-00000001", "state": "Up",
           "callerid_name": "Alice Martin", "callerid_number": "2001"}  # fmt: skip


def _cpu_ticks(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Consumer:
    def __init__(self) -> None:
        self.latencies: list[float] = []

    def __call__(self, _key: str, body: bytes) -> None:
        change = decode(body)
        self.latencies.append(time.perf_counter() - change.change["t"])


async def _publish(bus: BusConnection, rate: int, seconds: float, window: int) -> int:
    sent, seq, in_flight = 0, 0, set()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        target = rate * (time.perf_counter() - start) + 1 if rate else sent + window
        while sent < target and len(in_flight) < window:
            seq += 1
            body = encode(Change(ipbx="bench", epoch="e", seq=seq,
                                 change={**PAYLOAD, "t": time.perf_counter()}))  # fmt: skip
            d = bus.publish("ipbx.bench.change", body)
            in_flight.add(d)
            d.addBoth(lambda _, d=d: in_flight.discard(d))
            sent += 1
        await task.deferLater(reactor, 0.001 if rate else 0, lambda: None)
    await defer.DeferredList(list(in_flight))
    return sent


async def measure(node: RabbitMQNode, beam: int, rate: int, seconds: float, window: int) -> None:
    consumer = Consumer()
    sub = Subscription("", ("ipbx.bench.change",), consumer)
    consuming = BusConnection(reactor, node.url, "xivo-bench", (sub,))
    publishing = BusConnection(reactor, node.url, "xivo-bench")
    consuming.startService()
    publishing.startService()
    await eventually(lambda: consuming.connected and publishing.connected, what="connected")
    own, broker, start = sum(os.times()[:2]), _cpu_ticks(beam), time.perf_counter()
    sent = await _publish(publishing, rate, seconds, window)
    while len(consumer.latencies) < sent and time.perf_counter() - start < seconds + 30:
        await task.deferLater(reactor, 0.01, lambda: None)
    elapsed = time.perf_counter() - start
    own, broker = sum(os.times()[:2]) - own, _cpu_ticks(beam) - broker
    got = sorted(consumer.latencies)
    n = len(got)
    print(
        f"rate {rate or 'max'}: sent {sent}, delivered {n} in {elapsed:.1f} s"
        f" = {n / elapsed:,.0f}/s;"
        f" latency p50 {got[n // 2] * 1e3:.1f} ms, p99 {got[int(n * 0.99)] * 1e3:.1f} ms,"
        f" max {got[-1] * 1e3:.1f} ms; CPU per message: this process {own / n * 1e6:.0f} us,"
        f" RabbitMQ {broker / n * 1e6:.0f} us",
        flush=True,
    )
    await consuming.stopService()
    await publishing.stopService()


async def run(opts: argparse.Namespace) -> None:
    node = RabbitMQNode()
    try:
        node.start()
        with open(node.env["RABBITMQ_PID_FILE"]) as f:
            beam = int(f.read().strip())
        for rate in opts.rates:
            await measure(node, beam, rate, opts.seconds, opts.window)
    finally:
        node.destroy()


def main() -> None:
    """Measure each rate and print one line per rate."""
    args = argparse.ArgumentParser()
    args.add_argument("--rates", type=int, nargs="+", default=[1000, 5000, 0])
    args.add_argument("--seconds", type=float, default=10.0)
    args.add_argument("--window", type=int, default=1000)
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
