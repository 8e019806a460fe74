"""In-process replay of the FastAGI lookup path: xivo-agid's own CPU per request, no sockets.

Drives ``FastAGIFactory`` + ``CallerIdLookup`` + ``ReverseLookupService`` over
``StringTransport`` with the load generator's environment block and an in-memory
source that answers in batches of ten (80% found), as the batched PostgreSQL source
does.  What it leaves out is Twisted's TCP transport, the kernel and the database
driver: the figure is the part of the benchmark's server CPU that our code costs.

    .venv/bin/python -m benchmarks.agi_lookup.replay --requests 20000 [--callers 1000]
    .venv/bin/python -m benchmarks.agi_lookup.replay --profile tottime
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import time
from collections.abc import Sequence

from twisted.internet import reactor
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.protocol import connectionDone
from twisted.internet.testing import StringTransport

from benchmarks._settings import announce
from benchmarks.agi_lookup.loadgen import ENV
from xivo_agid.config import build_config
from xivo_agid.directory._cache import TTLCache
from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.directory._numbers import NUMBER_FORMATS
from xivo_agid.fastagi import FastAGIFactory
from xivo_agid.handlers._callerid_lookup import CallerIdLookup
from xivo_agid.metrics import AgidMetrics

BATCH = 10
"""Requests in flight together; the source answers them at once."""


DEPARTURES = {
    "sources": "an in-memory source answering in batches, without the source timeout's timer",
    "cache.ttl": "0: every request is a lookup",
}


class BatchSource:
    """A directory source whose lookups wait until ``answer_all``."""

    name = "crm"

    def __init__(self) -> None:
        self.waiting: list[Deferred] = []

    def lookup(self, candidates: Sequence[str]) -> Deferred[Contact | None]:
        """Queue one lookup."""
        d: Deferred[Contact | None] = Deferred()
        self.waiting.append(d)
        return d

    def answer_all(self, rng: random.Random) -> None:
        """Answer every queued lookup, 80% of them with a contact."""
        waiting, self.waiting = self.waiting, []
        for d in waiting:
            d.callback(Contact(name="First1 Last1", source="crm") if rng.random() < 0.8 else None)


def replay(
    factory: FastAGIFactory,
    source: BatchSource,
    count: int,
    callers: int,
    seed: int,
    prefix: str = "0",
) -> None:
    """Play ``count`` whole requests, ``BATCH`` at a time, callers spelt ``prefix`` + 9 digits."""
    rng = random.Random(seed)
    address = IPv4Address("TCP", "127.0.0.1", 40000)
    for first in range(0, count, BATCH):
        protocols = []
        for n in range(first, first + BATCH):
            protocol = factory.buildProtocol(address)
            protocol.makeConnection(StringTransport())
            number = prefix + str(100_000_000 + rng.randrange(callers))
            protocol.dataReceived(ENV.format(n=n, number=number).encode())
            protocols.append(protocol)
        source.answer_all(rng)
        for _reply in range(2):  # at most two commands per request
            for protocol in protocols:
                written = protocol.transport.value()
                if written:  # EXEC MSet answers 0, SET VARIABLE 1
                    protocol.transport.clear()
                    exec_app = written.startswith(b"EXEC")
                    protocol.dataReceived(b"200 result=0\n" if exec_app else b"200 result=1\n")
        for protocol in protocols:
            protocol.connectionLost(connectionDone)
        reactor.runUntilCurrent()  # drop the cancelled timers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--callers", type=int, default=100_000_000, help="distinct numbers")
    parser.add_argument("--profile", metavar="SORT", help="cProfile, sorted by SORT")
    parser.add_argument(
        "--spelling", choices=["national", "e164"], default="national", help="callers' numbers"
    )
    parser.add_argument(
        "--number-format", choices=NUMBER_FORMATS, default="any", help="the source's"
    )
    args = parser.parse_args()
    runs = "FastAGIFactory + CallerIdLookup (shipped defaults) over StringTransport, no sockets"
    announce(args, runs, DEPARTURES)
    config = build_config({})
    source = BatchSource()
    guarded = GuardedSource(
        source, timeout=None, concurrency=1000, clock=reactor, number_format=args.number_format
    )
    cache: TTLCache = TTLCache(ttl=0, size=0, clock=reactor)
    metrics = AgidMetrics()
    lookup = ReverseLookupService(
        [guarded], timeout=0.5, cache=cache, clock=reactor, metrics=metrics
    )
    handler = CallerIdLookup(lookup, "FR")
    factory = FastAGIFactory({"callerid_lookup": handler}, config.fastagi, reactor, metrics)
    prefix = {"national": "0", "e164": "+33"}[args.spelling]
    replay(factory, source, 2000, args.callers, 0, prefix)  # warm-up
    started = time.process_time()
    replay(factory, source, args.requests, args.callers, 1, prefix)
    spent = time.process_time() - started
    print(f"{spent / args.requests * 1e6:.1f} µs of CPU per request")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(replay, factory, source, args.requests, args.callers, 2, prefix)
        pstats.Stats(profile).sort_stats(args.profile).print_stats(40)


if __name__ == "__main__":
    main()
