"""A load generator playing Asterisk's side of FastAGI.

Keeps ``--concurrency`` requests in flight, each on a new TCP connection as
Asterisk does: connect, send the environment block, answer every command as Asterisk
does when it works (``200 result=0`` to an EXEC of MSet, ``200 result=1`` to the rest),
and count the request done when the server closes (named: it set ``CALLERID(name)``).  Prints
one JSON object: requests/s, p50/p99/max latency (connect to close), named share,
errors.  A plain ``selectors`` loop over non-blocking sockets (no framework), so
that the load generator takes as little as possible of the CPU the servers share.

    python -m benchmarks.agi_lookup.loadgen --port 4573 --concurrency 20 --seconds 10
"""

from __future__ import annotations

import argparse
import errno
import json
import random
import selectors
import socket
import time

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


SPELLINGS = {"national": "0{}", "e164": "+33{}"}  # how callers' numbers are spelt
STRIDE = 999_983  # a prime: i * STRIDE % contacts visits every contact once


def caller_number(
    rng: random.Random, found: float, contacts: int, spelling: str = "national", index: int = -1
) -> str:
    """A FR number: contact ``index`` (or a random one) with probability ``found``, else
    a number past the table's last."""
    i = rng.randrange(contacts) if index < 0 else index
    if rng.random() >= found:
        i += contacts  # past the table's last number
    return SPELLINGS[spelling].format(100000000 + i)


class Request:
    """One FastAGI request from Asterisk's side: its socket and what it has seen."""

    __slots__ = ("sock", "started", "buffer", "named")

    def __init__(self, sock: socket.socket, started: float) -> None:
        self.sock = sock
        self.started = started
        self.buffer = b""
        self.named = False


class Run:
    """The measurement: ``concurrency`` loops of sequential requests for ``seconds``."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.selector = selectors.DefaultSelector()
        self.sent = 0
        self.latencies: list[float] = []
        self.named = 0
        self.errors = 0
        self.open: set[Request] = set()
        self.retry_at: list[float] = []
        self.callers = [
            caller_number(self.rng, args.found, args.contacts, args.spelling)
            for _ in range(args.callers)
        ]

    def run(self) -> None:
        """Warm up, measure for ``seconds``, then let the requests in flight finish."""
        self.begin = time.perf_counter() + self.args.warmup
        self.end = self.begin + self.args.seconds
        for _ in range(self.args.concurrency):
            self.launch()
        next_sweep = 0.0
        while self.open or self.retry_at:
            now = time.perf_counter()
            more = now < self.end
            if not more:
                self.retry_at.clear()
            for event_key, mask in self.selector.select(0.05):
                self.ready(event_key.data, mask, more)
            if now >= next_sweep:
                self.sweep(now, more)
                next_sweep = now + 0.1
            while self.retry_at and self.retry_at[0] <= now:
                self.retry_at.pop(0)
                self.launch()
        self.elapsed = self.args.seconds

    def launch(self) -> None:
        self.sent += 1
        args = self.args
        if self.callers:
            number = self.rng.choice(self.callers)
        else:
            index = -1
            if args.unique_from is not None:  # each contact once over the whole run
                index = (args.unique_from + self.sent) * STRIDE % args.contacts
            number = caller_number(self.rng, args.found, args.contacts, args.spelling, index)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        request = Request(sock, time.perf_counter())
        request.buffer = ENV.format(n=self.sent, number=number).encode()
        err = sock.connect_ex((self.args.host, self.args.port))
        if err not in (0, errno.EINPROGRESS):
            sock.close()
            self.failed(time.perf_counter(), True)
            return
        self.open.add(request)
        self.selector.register(sock, selectors.EVENT_WRITE, request)

    def ready(self, request: Request, mask: int, more: bool) -> None:
        sock = request.sock
        if mask & selectors.EVENT_WRITE:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self.close(request)
                self.failed(time.perf_counter(), more)
                return
            sock.send(request.buffer)  # about 700 bytes: fits the empty send buffer
            request.buffer = b""
            self.selector.modify(sock, selectors.EVENT_READ, request)
            return
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self.close(request)
            self.finished(request, more)
            return
        request.buffer += data
        *lines, request.buffer = request.buffer.split(b"\n")
        for line in lines:
            if line.startswith((b'SET VARIABLE "CALLERID(name)"', b'EXEC "MSet" "CALLERID')):
                request.named = True
            # As Asterisk: EXEC answers the application's result (MSet: 0).
            sock.send(b"200 result=0\n" if line.startswith(b"EXEC") else b"200 result=1\n")

    def close(self, request: Request) -> None:
        self.selector.unregister(request.sock)
        request.sock.close()
        self.open.discard(request)

    def sweep(self, now: float, more: bool) -> None:
        """Abort the requests open for more than REQUEST_TIMEOUT."""
        for request in [r for r in self.open if now - r.started > REQUEST_TIMEOUT]:
            self.close(request)
            self.failed(now, more)

    def failed(self, now: float, more: bool) -> None:
        if self.begin <= now < self.end:
            self.errors += 1
        if more:
            self.retry_at.append(now + 0.01)

    def finished(self, request: Request, more: bool) -> None:
        now = time.perf_counter()
        if self.begin <= now < self.end:
            self.latencies.append(now - request.started)
            self.named += request.named
        if more:
            self.launch()

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
            "sent": self.sent,
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
    parser.add_argument("--spelling", choices=list(SPELLINGS), default="national")
    parser.add_argument(
        "--unique-from",
        type=int,
        help="request k calls contact (N + k) * STRIDE %% contacts (N: requests sent before)",
    )
    args = parser.parse_args()
    run = Run(args)
    run.run()
    print(json.dumps(run.report()))


if __name__ == "__main__":
    main()
