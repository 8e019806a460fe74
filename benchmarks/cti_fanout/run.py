"""CTI fan-out benchmark: N clients logged in, AMI events replayed at a fixed rate.

Usage: .venv/bin/python -m benchmarks.cti_fanout.run [--clients 1000] [--rate 5000]
       [--seconds 10] [--users 100] [--profile supervisor] [--tick 0.001]
       [--push-interval 0.02] [--writes-per-pass 100]

This process runs the project's ``AMIParser``, ``LiveState`` and CTI service on a free
loopback port; a child process (``clients.py``) opens the client sockets, logs them in
and reads.  Events are synthetic calls of 30 AMI events each (Newchannel, Newstate, 24
VarSet, ExtensionStatus ringing/in use/idle, Hangup) on the users' lines, rendered as AMI
bytes and fed through the parser in batches every ``--tick`` seconds (default 1 ms: one
AMI read) at ``--rate`` events/s (open loop: a late batch is not skipped).  The CTI
service's clock stamps ``timenow`` with the batch's *scheduled* arrival time, so a
client's ``receive time - timenow`` is the whole delay from the AMI event's arrival to
its delivery, reactor queueing included.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from array import array
from dataclasses import replace
from typing import Any

import bcrypt
from twisted.internet import defer, reactor, task

from benchmarks._settings import announce
from benchmarks.cti_fanout.clients import run_clients
from xivo_cti.ami.codec import AMIParser
from xivo_cti.cti.config import CTIConfig
from xivo_cti.cti.server import make_cti_service
from xivo_cti.state import LiveState
from xivo_cti.users.loader import users_from_records
from xivo_cti.users.store import UserStore

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def call_events(user: int, seq: int) -> list[bytes]:
    """30 AMI events (wire bytes) of one call from user ``user``'s phone."""
    uid, chan, ext = f"{seq}.1", f"PJSIP/u{user}-{seq:08x}", str(1000 + user)
    base = (f"Channel: {chan}\r\nUniqueid: {uid}\r\nLinkedid: {uid}\r\nCallerIDNum: {ext}\r\n"
            "CallerIDName: \r\nConnectedLineNum: \r\nConnectedLineName: \r\n"
            "Context: default\r\nExten: s\r\n")  # fmt: skip

    def hint(status: int) -> str:
        return f"Event: ExtensionStatus\r\nExten: {ext}\r\nContext: default\r\nStatus: {status}\r\n"

    events = [f"Event: Newchannel\r\nChannelState: 4\r\nChannelStateDesc: Ring\r\n{base}", hint(8)]
    events += [f"Event: VarSet\r\nVariable: V{i}\r\nValue: x\r\n{base}" for i in range(24)]
    events += [f"Event: Newstate\r\nChannelState: 6\r\nChannelStateDesc: Up\r\n{base}", hint(1)]
    events += [f"Event: Hangup\r\nCause: 16\r\n{base}", hint(0)]
    return [e.encode() + b"\r\n" for e in events]


class ArrivalClock:
    """The reactor, except that ``seconds()`` is the arrival time of the batch being handled."""

    def __init__(self, reactor: Any) -> None:
        self._reactor = reactor
        self.arrival: float | None = None

    def seconds(self) -> float:
        return self.arrival if self.arrival is not None else self._reactor.seconds()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reactor, name)


DEPARTURES = {
    "cti.port": "0 (a free port)",
    "cti.max_connections_per_address": "100,000: every client comes from 127.0.0.1",
    "cti.login_timeout": "120 s: a thousand logins at once take longer than 5 s on 2 cores",
    "users": "--users supervisors of a generated list (bcrypt cost 4), not the sample users",
    "reactor": "Twisted's default epoll reactor, not the daemons' `xivo` one",
}


def pct(values: list[float], p: float) -> float:
    """The ``p`` quantile in milliseconds."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(len(values) * p))] * 1000


def start_server(args: argparse.Namespace, clock: ArrivalClock) -> tuple[Any, LiveState, int]:
    """LiveState + the CTI service on a free port, ``args.users`` supervisors."""
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    records = [{"login": f"u{i}", "password_hash": pw, "line": f"PJSIP/u{i}",
                "extension": str(1000 + i), "profile": args.profile}
               for i in range(args.users)]  # fmt: skip
    users = UserStore(None, users_from_records(records, "bench"))  # type: ignore[arg-type]
    state = LiveState(clock)
    config = CTIConfig(port=0, max_connections_per_address=100_000, login_timeout=120)
    if hasattr(config, "push_interval"):  # absent before coalescing (for before/after runs)
        config = replace(config, push_interval=args.push_interval)
    if hasattr(config, "writes_per_pass"):  # absent before sliced flushes
        config = replace(config, writes_per_pass=args.writes_per_pass)
    svc = make_cti_service(config, users=users, state=state, ami=None, reactor=clock)
    svc.startService()
    return svc, state, svc.server._port.getHost().port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--profile", default="supervisor")
    parser.add_argument("--tick", type=float, default=0.001, help="seconds between AMI reads")
    interval = getattr(CTIConfig, "push_interval", 0.0)
    parser.add_argument("--push-interval", type=float, default=interval)
    writes = getattr(CTIConfig, "writes_per_pass", 0)
    parser.add_argument("--writes-per-pass", type=int, default=writes)
    args = parser.parse_args()
    runs = "the project's AMIParser, LiveState and CTI service in this process, clients in another"
    announce(args, runs, DEPARTURES)
    clock = ArrivalClock(reactor)
    _svc, state, port = start_server(args, clock)
    out: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(
        target=run_clients, args=(port, args.clients, args.users, args.seconds, out)
    )
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child.start()
    ami = AMIParser()
    ami.receive_data(BANNER)
    next(iter(ami))

    @defer.inlineCallbacks
    def drive():
        while out.empty():
            yield task.deferLater(reactor, 0.1, lambda: None)
        out.get()
        yield task.deferLater(reactor, 1.0, lambda: None)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ticks = round(args.seconds / args.tick)
        batch = round(args.rate * args.tick)
        events = [e for seq in range(args.rate * int(args.seconds) // 30 + 1)
                  for e in call_events(seq % args.users, seq)]  # fmt: skip
        lateness: list[float] = []
        cpu0, start = time.process_time(), time.time()
        for tick in range(ticks):
            due = start + tick * args.tick
            delay = due - time.time()
            if delay > 0:
                yield task.deferLater(reactor, delay, lambda: None)
            lateness.append(max(0.0, time.time() - due))
            clock.arrival = due
            ami.receive_data(b"".join(events[tick * batch : (tick + 1) * batch]))
            for msg in ami:
                state.handle_event(msg)
            clock.arrival = None
        cpu = (time.process_time() - cpu0) / (time.time() - start)
        while out.empty():
            yield task.deferLater(reactor, 0.2, lambda: None)
        report = out.get()
        delays = array("d")
        delays.frombytes(report["delays"])
        ordered, late = sorted(delays), sorted(lateness)
        print(f"clients={args.clients} rate={args.rate}/s seconds={args.seconds} "
              f"profile={args.profile} tick={args.tick * 1000:g} ms "
              f"push_interval={args.push_interval * 1000:g} ms "
              f"writes_per_pass={args.writes_per_pass}\n"
              f"phone deliveries={len(ordered)} lines={report['lines']} "
              f"MB={report['bytes'] / 1e6:.0f}")  # fmt: skip
        print(f"AMI arrival -> delivery p50={pct(ordered, 0.5):.1f} ms "
              f"p99={pct(ordered, 0.99):.1f} ms max={pct(ordered, 1):.1f} ms")  # fmt: skip
        print(f"batch lateness p50={pct(late, 0.5):.1f} ms p99={pct(late, 0.99):.1f} ms")
        print(f"CPU: server while feeding {cpu * 100:.0f}% of one core, "
              f"client reader {report['cpu'] * 100:.0f}%")  # fmt: skip
        per_client = (rss1 - rss0) / args.clients
        print(f"server memory per client ~{per_client:.1f} KiB (max RSS {rss1 / 1024:.0f} MiB)")
        reactor.stop()

    reactor.callWhenRunning(drive)
    reactor.run()
    child.join()


if __name__ == "__main__":
    main()
