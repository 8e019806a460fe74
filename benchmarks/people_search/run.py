"""People search benchmark: searches at a fixed rate over many users and personal
contacts, optionally while the CTI fan-out load runs.

Usage: .venv/bin/python -m benchmarks.people_search.run [--users 5000] [--contacts 200]
       [--search-rate 50] [--seconds 20] [--clients 1000] [--rate 5000] [--no-history]

This process runs the project's ``AMIParser``, ``LiveState``, CTI service, ``People`` and
per-user store (a SQLite file in a temporary directory, its own thread) with ``--users``
CTI users; user ``u0`` has ``--contacts`` personal contacts.  A child process
(``searcher.py``) logs in as ``u0`` and sends ``people_search`` requests (patterns drawn
from the users' and contacts' names and numbers) at ``--search-rate`` per second, open
loop, from the moment the load starts (every client logged in), and times each answer.
With ``--clients`` > 0 the fan-out benchmark's load runs at
the same time: that many clients logged in (``benchmarks/cti_fanout/clients.py``) and
synthetic calls on the users' lines at ``--rate`` AMI events/s, every call recorded in
the callers' history (written every second) unless ``--no-history``.  It also prints how
long the reactor's thread waited for a CPU while runnable (``/proc/self/schedstat``): on a
shared machine that wait, not the server's own work, can make the tail.  ``SearchProbe``
splits each search into read wait, handling, reply queued, reply written and reading.
"""

from __future__ import annotations

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from array import array  # noqa: E402
from typing import Any  # noqa: E402

import bcrypt  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402
from twisted.application.service import MultiService  # noqa: E402
from twisted.internet import defer, task  # noqa: E402

from benchmarks._settings import announce, run_queue_wait  # noqa: E402
from benchmarks.cti_fanout.clients import run_clients  # noqa: E402
from benchmarks.cti_fanout.run import DEPARTURES  # noqa: E402
from benchmarks.cti_fanout.server import ArrivalClock, pct, reactor  # the daemons' reactor
from benchmarks.cti_fanout.stream import BANNER, call_events  # noqa: E402
from benchmarks.people_search.names import contacts, name, patterns  # noqa: E402
from benchmarks.people_search.probe import SearchProbe  # noqa: E402
from benchmarks.people_search.searcher import run_searcher  # noqa: E402
from xivo.ops.heap import HeapFreeze  # noqa: E402
from xivo_cti.ami import AMIParser  # noqa: E402
from xivo_cti.app import wire_cti  # noqa: E402
from xivo_cti.commands import LocalAsterisk  # noqa: E402
from xivo_cti.cti import CTIConfig, make_cti_service  # noqa: E402
from xivo_cti.metrics import CtidMetrics  # noqa: E402
from xivo_cti.people import People  # noqa: E402
from xivo_cti.state import LiveState  # noqa: E402
from xivo_cti.userdata import UserDataConfig, make_userdata  # noqa: E402
from xivo_cti.users import CheckPool, UserStore, default_size, users_from_records  # noqa: E402


def start_server(args: argparse.Namespace, clock: ArrivalClock, directory: str) -> tuple:
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    records = [{"login": f"u{i}", "password_hash": pw, "line": f"PJSIP/u{i}", "id": str(i + 1),
                "extension": str(1000 + i), "fullname": name(i), "profile": "user"}
               for i in range(args.users)]  # fmt: skip
    users = UserStore(None, users_from_records(records, "bench"))  # type: ignore[arg-type]
    state = LiveState(clock)
    userdata = make_userdata(UserDataConfig(), "", directory, reactor)
    people = People(userdata.books, users.by_id, "xivo", 1000)
    config = CTIConfig(port=0, max_connections_per_address=100_000, login_timeout=120,
                       max_login_failures_per_address=100_000)  # fmt: skip
    checks = CheckPool(reactor, default_size())
    parts = wire_cti(
        config, states={config.ipbxid: state}, users=users,
        asterisks={config.ipbxid: LocalAsterisk(None)},  # type: ignore[arg-type]  # no AMI
        clock=clock, metrics=CtidMetrics(CollectorRegistry()), run_check=checks.run,
        people=people, userdata=None if args.no_history else userdata,
    )  # fmt: skip
    svc = MultiService()  # the CTI port, the login checks and their threads, stopped together
    checks.setServiceParent(svc)
    HeapFreeze(reactor).setServiceParent(svc)  # as the daemon: the start-up heap frozen
    parts.ctx.logins.setServiceParent(svc)
    cti = make_cti_service(parts.ctx, clock)
    cti.setServiceParent(svc)
    svc.startService()
    return svc, parts, userdata, cti.port.getHost().port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--contacts", type=int, default=200)
    parser.add_argument("--search-rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--tick", type=float, default=0.001)
    parser.add_argument("--no-history", action="store_true")
    args = parser.parse_args()
    runs = ("the project's AMIParser, LiveState, CTI service, People and per-user store "
            "(SQLite file, its own thread) in this process; the searcher and the fan-out "
            "clients in two others")  # fmt: skip
    departures = {
        **DEPARTURES,
        "cti.max_login_failures_per_address": "100,000: a login being checked counts as a "
        "failure of its address until it is right, and every client logs in at once from "
        "127.0.0.1",
        "users": "--users plain users (profile user) of a generated list, bcrypt cost 4; u0 "
        "has --contacts personal contacts",
    }
    announce(args, runs, departures)
    directory = tempfile.mkdtemp(prefix="people-bench-")
    clock = ArrivalClock(reactor)
    svc, parts, userdata, port = start_server(args, clock, directory)
    feed, probe = parts.feed, SearchProbe()
    out: multiprocessing.Queue = multiprocessing.Queue()
    fan_out: multiprocessing.Queue = multiprocessing.Queue()
    go = multiprocessing.Event()  # the searches start with the load, not before the logins end
    ami = AMIParser()
    ami.receive_data(BANNER)
    next(iter(ami))

    @defer.inlineCallbacks
    def drive():
        userdata.startService()
        yield userdata.store.save_contacts("u0", contacts(args.contacts))
        children = [
            multiprocessing.Process(
                target=run_searcher,
                args=(port, "u0", patterns(args.users), args.search_rate, args.seconds, out, go),
            )
        ]
        if args.clients:
            children.append(
                multiprocessing.Process(
                    target=run_clients,
                    args=(port, args.clients, min(args.users, args.clients), args.seconds, fan_out),
                )
            )
        for child in children:
            child.start()
        for queue in (out, fan_out)[: len(children)]:
            while queue.empty():
                yield task.deferLater(reactor, 0.1, lambda: None)
            queue.get()
        probe.attach(parts.ctx.sessions.of("u0")[0])
        go.set()
        lateness: list[float] = []
        cpu0, start, queued0 = time.process_time(), time.time(), run_queue_wait()
        if args.clients:
            ticks, batch = round(args.seconds / args.tick), round(args.rate * args.tick)
            events = [e for seq in range(args.rate * int(args.seconds) // 30 + 1)
                      for e in call_events(seq % args.users, seq)]  # fmt: skip
            for tick in range(ticks):
                due = start + tick * args.tick
                delay = due - time.time()
                if delay > 0:
                    yield task.deferLater(reactor, delay, lambda: None)
                lateness.append(max(0.0, time.time() - due))
                clock.arrival = due
                ami.receive_data(b"".join(events[tick * batch : (tick + 1) * batch]))
                for msg in ami:
                    feed.event(msg)
                clock.arrival = None
        while out.empty():
            yield task.deferLater(reactor, 0.2, lambda: None)
        elapsed = time.time() - start
        cpu = (time.process_time() - cpu0) / elapsed
        queued = (run_queue_wait() - queued0) / elapsed
        search = out.get()
        report(args, search, fan_out.get() if args.clients else None, lateness, cpu, queued)
        print("inside the server (SearchProbe), per search:", *probe.summary(search), sep="\n")
        yield userdata.writer.flush()
        written = yield userdata.store.history("u1", 1000)
        print(f"history: {len(written)} calls kept for u1, {'off' if args.no_history else 'on'}")
        yield userdata.stopService()
        yield svc.stopService()  # its password-check threads too
        reactor.stop()

    reactor.callWhenRunning(drive)
    reactor.run()


def report(
    args: Any, search: dict, fan_out: dict | None, lateness: list[float], cpu: float, queued: float
) -> None:
    latencies, rows = array("d"), array("i")
    latencies.frombytes(search["latencies"])
    rows.frombytes(search["rows"])
    ordered = sorted(latencies)
    print(
        f"users={args.users} contacts={args.contacts} search_rate={args.search_rate}/s "
        f"seconds={args.seconds} clients={args.clients} rate={args.rate}/s"
    )
    print(
        f"searches={len(ordered)} unanswered={search['lost']} "
        f"rows per answer avg={sum(rows) / max(len(rows), 1):.1f}"
    )
    print(
        f"search latency p50={pct(ordered, 0.5):.2f} ms p99={pct(ordered, 0.99):.2f} ms "
        f"max={pct(ordered, 1):.2f} ms"
    )
    if fan_out is not None:
        delays = array("d")
        delays.frombytes(fan_out["delays"])
        d, late = sorted(delays), sorted(lateness)
        print(
            f"fan-out AMI arrival -> delivery p50={pct(d, 0.5):.1f} ms "
            f"p99={pct(d, 0.99):.1f} ms; batch lateness p99={pct(late, 0.99):.1f} ms"
        )
        print(f"server CPU while feeding {cpu * 100:.0f}% of one core")
    print(f"reactor thread waiting for a CPU (runnable) {queued * 100:.0f}% of the time")


if __name__ == "__main__":
    main()
