"""A load generator playing Asterisk's side of FastAGI.

Keeps ``--concurrency`` requests in flight, each on a new TCP connection as
Asterisk does: connect, send the environment block, answer every command with
``200 result=1``, and count the request done when the server closes.  Prints
one JSON object: requests/s, p50/p99/max latency (connect to close), named share,
errors.

    python -m benchmarks.agi_lookup.loadgen --port 4573 --concurrency 20 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import random
import time

from twisted.internet import protocol

ENV = (
    "agi_network: yes\nagi_network_script: callerid_lookup\nagi_request: "
    "agi://127.0.0.1/callerid_lookup\nagi_channel: PJSIP/trunk-{n:08x}\nagi_language: fr\n"
    "agi_type: PJSIP\nagi_uniqueid: 1700000000.{n}\nagi_version: 22.10.0\n"
    "agi_callerid: {number}\nagi_calleridname: unknown\nagi_callingpres: 0\n"
    "agi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\nagi_dnid: 1000\n"
    "agi_rdnis: unknown\nagi_context: from-trunk\nagi_extension: 1000\nagi_priority: 1\n"
    "agi_enhanced: 0.0\nagi_accountcode: \nagi_threadid: 140000000000\n\n"
)


REQUEST_TIMEOUT = 3.0
"""A request still open after this is aborted and counted as an error."""


def caller_number(rng: random.Random, found_share: float, contacts: int) -> str:
    """A national FR number: in the table with probability ``found_share``."""
    i = rng.randrange(contacts)
    if rng.random() >= found_share:
        i += contacts  # past the table's last number
    return f"0{100000000 + i}"


class AsteriskSide(protocol.Protocol):
    """One FastAGI request from Asterisk's side."""

    def __init__(self, run: Run, number: str, started: float) -> None:
        self.run = run
        self.number = number
        self.started = started
        self.buffer = b""
        self.named = False

    def connectionMade(self) -> None:
        self.timer = self.run.reactor.callLater(REQUEST_TIMEOUT, self.transport.abortConnection)
        self.transport.write(ENV.format(n=self.run.sent, number=self.number).encode())

    def dataReceived(self, data: bytes) -> None:
        self.buffer += data
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            if line.startswith(b'SET VARIABLE "CALLERID(name)"'):
                self.named = True
            self.transport.write(b"200 result=1\n")

    def connectionLost(self, reason: object = None) -> None:
        if self.timer.active():
            self.timer.cancel()
            self.run.finished(time.perf_counter() - self.started, self.named)
        else:
            self.run.failed(reason)


class Run:
    """The measurement: ``concurrency`` loops of sequential requests for ``seconds``."""

    def __init__(self, reactor, args: argparse.Namespace) -> None:
        self.reactor = reactor
        self.args = args
        self.rng = random.Random(args.seed)
        self.sent = 0
        self.latencies: list[float] = []
        self.named = 0
        self.errors = 0
        self.measuring = False
        self.stopping = False
        self.in_flight = 0
        self.callers = [
            caller_number(self.rng, args.found, args.contacts) for _ in range(args.callers)
        ]

    def start(self) -> None:
        for _ in range(self.args.concurrency):
            self.next()
        self.reactor.callLater(self.args.warmup, self.begin)

    def begin(self) -> None:
        self.measuring = True
        self.began = time.perf_counter()
        self.reactor.callLater(self.args.seconds, self.end)

    def end(self) -> None:
        self.elapsed = time.perf_counter() - self.began
        self.measuring = False
        self.stopping = True

    def next(self) -> None:
        if self.stopping:
            if self.in_flight == 0:
                self.reactor.stop()
            return
        self.sent += 1
        self.in_flight += 1
        if self.callers:
            number = self.rng.choice(self.callers)
        else:
            number = caller_number(self.rng, self.args.found, self.args.contacts)
        started = time.perf_counter()
        creator = protocol.ClientCreator(self.reactor, AsteriskSide, self, number, started)
        d = creator.connectTCP(self.args.host, self.args.port, timeout=2)
        d.addErrback(self.failed)

    def failed(self, _failure: object) -> None:
        self.errors += 1
        self.in_flight -= 1
        self.reactor.callLater(0.01, self.next)

    def finished(self, latency: float, named: bool) -> None:
        self.in_flight -= 1
        if self.measuring:
            self.latencies.append(latency)
            self.named += named
        self.next()

    def report(self) -> dict:
        lat = sorted(self.latencies)
        n = len(lat)

        def pct(p: float) -> float:
            return round(lat[min(n - 1, int(p * n))] * 1000, 2) if n else 0.0

        return {
            "concurrency": self.args.concurrency,
            "requests": n,
            "requests_per_s": round(n / self.elapsed, 1),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if n else 0.0,
            "named_share": round(self.named / n, 3) if n else 0.0,
            "errors": self.errors,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4573)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--found", type=float, default=0.8, help="share of numbers in the table")
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--callers", type=int, default=0, help="draw from this many distinct callers (0: fresh)"
    )
    args = parser.parse_args()
    from twisted.internet import reactor

    run = Run(reactor, args)
    reactor.callWhenRunning(run.start)
    reactor.run()
    print(json.dumps(run.report()))


if __name__ == "__main__":
    main()
