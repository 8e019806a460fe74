"""CTI fan-out benchmark: N clients logged in, AMI events replayed through LiveState.

Usage: .venv/bin/python benchmarks/cti_fanout/run.py [--clients 1000] [--rate 5000]
       [--seconds 10] [--users 100]

The server (this process) runs LiveState + the CTI service on a free loopback port; a
child process opens the client sockets, logs them in and reads.  Events are synthetic
calls of 30 AMI events each (Newchannel, Newstate, VarSet noise, ExtensionStatus
ringing/in use/idle, Hangup) on the users' PJSIP lines, fed at ``--rate`` events/s in
10 ms batches.  Delay = client receive time - the push's ``timenow`` (set when the
event is handled) + the lateness of the batch against its schedule (measured here).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import selectors
import socket
import time

import bcrypt
from twisted.internet import defer, reactor, task

from xivo_cti.ami.message import Message
from xivo_cti.cti.config import CTIConfig
from xivo_cti.cti.server import make_cti_service
from xivo_cti.state import LiveState
from xivo_cti.users.loader import users_from_records
from xivo_cti.users.store import UserStore, thread_runner


def call_events(user: int, seq: int) -> list[Message]:
    """30 AMI events of one call from user ``user``'s phone."""
    uid, chan, ext = f"{seq}.1", f"PJSIP/u{user}-{seq:08x}", str(1000 + user)
    base = dict(Uniqueid=uid, Channel=chan, CallerIDNum=ext, CallerIDName="", Linkedid=uid,
                ConnectedLineNum="", ConnectedLineName="", Context="default",
                Exten="s")  # fmt: skip
    ev = [Message.of(Event="Newchannel", ChannelState="4", ChannelStateDesc="Ring", **base)]
    ev.append(Message.of(Event="ExtensionStatus", Exten=ext, Context="default", Status="8"))
    ev += [Message.of(Event="VarSet", Variable=f"V{i}", Value="x", **base) for i in range(24)]
    ev.append(Message.of(Event="Newstate", ChannelState="6", ChannelStateDesc="Up", **base))
    ev.append(Message.of(Event="ExtensionStatus", Exten=ext, Context="default", Status="1"))
    ev.append(Message.of(Event="Hangup", **base))
    ev.append(Message.of(Event="ExtensionStatus", Exten=ext, Context="default", Status="0"))
    return ev


def clients_main(
    port: int, count: int, users: int, seconds: float, out: multiprocessing.Queue
) -> None:
    """Child process: connect, log in, read pushes, report delays."""
    sel = selectors.DefaultSelector()
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        login = f"u{i % users}"
        msgs = [
            {"class": "login_id", "userlogin": login, "xivoversion": "2.3"},
            {"class": "login_pass", "password": "pw"},
            {"class": "login_capas", "capaid": 1, "state": "available"},
        ]
        s.sendall(b"".join(json.dumps(m).encode() + b"\n" for m in msgs[:2]))
        socks.append((s, msgs[2]))
    time.sleep(2.0)
    for s, capas in socks:
        s.sendall(json.dumps(capas).encode() + b"\n")
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, bytearray())
    out.put("ready")
    delays: list[float] = []
    end = time.time() + seconds + 3
    while time.time() < end:
        for key, _ in sel.select(0.5):
            buf = key.data
            try:
                data = key.fileobj.recv(262144)
            except BlockingIOError:
                continue
            now = time.time()
            buf += data
            lines = buf.split(b"\n")
            buf[:] = lines.pop()
            for line in lines:
                if b'"updatestatus"' in line and b'"phones"' in line:
                    delays.append(now - json.loads(line)["timenow"])
    out.put(delays)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    pw = bcrypt.hashpw(b"pw", bcrypt.gensalt(rounds=4)).decode()
    records = [{"login": f"u{i}", "password_hash": pw, "line": f"PJSIP/u{i}",
                "extension": str(1000 + i), "profile": "supervisor"}
               for i in range(args.users)]  # fmt: skip
    run = thread_runner(reactor, reactor.getThreadPool())
    users = UserStore(None, run, users_from_records(records, "bench"))  # type: ignore[arg-type]
    state = LiveState(reactor)
    config = CTIConfig(port=0, max_connections_per_address=100_000, login_timeout=60)
    svc = make_cti_service(config, users=users, state=state, ami=None, reactor=reactor)
    svc.startService()
    port = svc.server._port.getHost().port
    out: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(
        target=clients_main, args=(port, args.clients, args.users, args.seconds, out)
    )
    child.start()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    lateness: list[float] = []

    @defer.inlineCallbacks
    def drive():
        while out.empty():
            yield task.deferLater(reactor, 0.1, lambda: None)
        out.get()
        yield task.deferLater(reactor, 1.0, lambda: None)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        batch = args.rate // 100
        events = [e for seq in range(args.rate * int(args.seconds) // 30 + 1)
                  for e in call_events(seq % args.users, seq)]  # fmt: skip
        start = time.time()
        for tick in range(int(args.seconds * 100)):
            due = start + tick * 0.01
            delay = due - time.time()
            if delay > 0:
                yield task.deferLater(reactor, delay, lambda: None)
            lateness.append(max(0.0, time.time() - due))
            for msg in events[tick * batch : (tick + 1) * batch]:
                state.handle_event(msg)
        while out.empty():
            yield task.deferLater(reactor, 0.2, lambda: None)
        delays = sorted(out.get())
        lat = sorted(lateness)
        pct = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")  # noqa: E731
        print(
            f"clients={args.clients} rate={args.rate}/s seconds={args.seconds} pushes={len(delays)}"
        )
        p50, p99, top = pct(delays, 0.5), pct(delays, 0.99), pct(delays, 1)
        print(f"delivery p50={p50:.1f} ms p99={p99:.1f} ms max={top:.1f} ms")
        print(f"batch lateness p50={pct(lat, 0.5):.1f} ms p99={pct(lat, 0.99):.1f} ms")
        per_client = (rss1 - rss0) / args.clients
        print(f"server memory per client ~{per_client:.1f} KiB (max RSS {rss1 / 1024:.0f} MiB)")
        reactor.stop()

    reactor.callWhenRunning(drive)
    reactor.run()
    child.join()


if __name__ == "__main__":
    main()
