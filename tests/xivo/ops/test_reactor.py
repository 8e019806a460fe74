"""The daemons' reactor (``xivo.ops.reactor``), each test in a fresh Python process.

The test process already runs pytest-twisted's reactor, so a script installs
``DaemonReactor`` in a child process, runs it, and prints what it saw as JSON.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = str(Path(__file__).resolve().parents[3])

PRELUDE = """
import json, socket, sys
from xivo.ops.reactor import DaemonReactor, install
installed = install()
from twisted.internet import reactor
from twisted.internet.protocol import Factory, Protocol
from twisted.logger import globalLogBeginner, formatEvent
logged = []
globalLogBeginner.beginLoggingTo(
    [lambda e: logged.append(formatEvent(e))], redirectStandardIO=False
)
seen = {"is_installed": reactor is installed}
seen["is_daemon_reactor"] = isinstance(reactor, DaemonReactor)
reactor.callLater(10, reactor.stop)  # a safety net: every script stops long before
def finish():
    seen["logged"] = logged
    print(json.dumps(seen))
    reactor.stop()
"""


def run(script: str) -> dict:
    """Run PRELUDE + ``script`` in a child process; the JSON it printed last."""
    code = PRELUDE + textwrap.dedent(script) + "\nreactor.run()\n"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_twistd_knows_the_reactor():
    """``twistd --help-reactors`` lists ``xivo`` (the name the systemd units use)."""
    done = subprocess.run(
        [sys.executable, "-c", "from twisted.scripts.twistd import run; run()", "--help-reactors"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert any(line.split()[:1] == ["xivo"] for line in done.stdout.splitlines()), done.stdout


def test_tcp_exchange_and_timers_run():
    """A loopback echo, a delayed call and a reader removed mid-pass all behave as usual."""
    seen = run(
        """
        class Echo(Protocol):
            def dataReceived(self, data):
                self.transport.write(data.upper())
                self.transport.loseConnection()

        class Client(Protocol):
            def connectionMade(self):
                self.transport.write(b"ping")
            def dataReceived(self, data):
                seen.setdefault("reply", "")
                seen["reply"] += data.decode()
            def connectionLost(self, reason):
                seen["client_lost"] = reason.type.__name__
                reactor.callLater(0.05, finish)

        port = reactor.listenTCP(0, Factory.forProtocol(Echo), interface="127.0.0.1")
        from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
        reactor.callLater(0.01, lambda: seen.__setitem__("timer", True))
        connectProtocol(TCP4ClientEndpoint(reactor, "127.0.0.1", port.getHost().port), Client())
        """
    )
    assert seen["is_installed"] and seen["is_daemon_reactor"]
    assert seen["reply"] == "PING"
    assert seen["client_lost"] == "ConnectionDone"
    assert seen["timer"] is True


def test_a_failing_descriptor_is_logged_and_the_pass_goes_on():
    """An error escaping one descriptor's dispatch is logged with its prefix; another
    descriptor ready in the same pass still gets its event, and the loop goes on."""
    seen = run(
        """
        class Broken:
            def __init__(self, sock):
                self.sock = sock
            def fileno(self):
                return self.sock.fileno()
            def logPrefix(self):
                return "BrokenDescriptor"
            def doRead(self):
                raise RuntimeError("read failed")
            def connectionLost(self, reason):
                reactor.removeReader(self)
                raise RuntimeError("and so did connectionLost")

        class Reader:
            def __init__(self, sock):
                self.sock = sock
            def fileno(self):
                return self.sock.fileno()
            def logPrefix(self):
                return "Reader"
            def doRead(self):
                seen["read"] = self.sock.recv(10).decode()
                reactor.removeReader(self)
                reactor.callLater(0.05, finish)
            def connectionLost(self, reason):
                pass

        a, a_peer = socket.socketpair()
        b, b_peer = socket.socketpair()
        a_peer.send(b"x")
        b_peer.send(b"hello")
        reactor.addReader(Broken(a))
        reactor.addReader(Reader(b))
        """
    )
    assert seen["read"] == "hello"
    assert any("BrokenDescriptor" in line for line in seen["logged"]), seen["logged"]


PASSES = """
import os
installed.events_per_pass = 2
passes = []  # the names read in each pass

class Reader:
    urgent = False
    def __init__(self, name, sock):
        self.name, self.sock = name, sock
    def fileno(self):
        return self.sock.fileno()
    def logPrefix(self):
        return self.name
    def doRead(self):
        self.sock.recv(10)
        reactor.removeReader(self)
        passes[-1].append(self.name)
    def connectionLost(self, reason):
        pass

keep = []
def readable(reader_class, name):
    a, b = socket.socketpair()
    keep.append((a, b))
    reactor.addReader(reader_class(name, a))
    b.send(b"x")

def epolls():  # how many epoll descriptors this process holds
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:  # the listing's own descriptor, closed since
            pass
    return links.count("anon_inode:[eventpoll]")

def count_passes(expected):
    poll = installed.doPoll
    def counted(timeout):
        passes.append([])
        poll(timeout)
        if sum(map(len, passes)) == expected and "passes" not in seen:
            seen["passes"] = [p for p in passes if p]
            seen["urgent_left"] = len(installed._urgent_fds)
            reactor.callLater(0, finish)
    installed.doPoll = installed.doIteration = counted
"""


def test_a_pass_takes_at_most_events_per_pass_and_every_descriptor_gets_its_turn():
    """Five readable sockets and ``events_per_pass`` 2: no pass reads more than two, and
    all five are read by the third pass (the ones left out go first next time)."""
    seen = run(
        PASSES
        + """
for i in range(5):
    readable(Reader, f"r{i}")
count_passes(5)
"""
    )
    reads = seen["passes"]
    assert max(len(p) for p in reads) == 2
    assert sorted(name for p in reads for name in p) == ["r0", "r1", "r2", "r3", "r4"]
    assert len(reads) == 3


def test_an_urgent_descriptor_is_served_in_the_first_pass_before_the_others_turn():
    """Forty readable sockets, ``events_per_pass`` 2, and one more marked ``urgent``
    (FastAGI's): the urgent one is read in the first pass, the others still two a pass;
    removing it leaves nothing of it behind."""
    seen = run(
        PASSES
        + """
class Urgent(Reader):
    urgent = True

installed.serve_urgent_first()
seen["epolls"] = epolls()
for i in range(40):
    readable(Reader, f"r{i}")
readable(Urgent, "urgent")
count_passes(41)
"""
    )
    reads = seen["passes"]
    assert "urgent" in reads[0], reads[:3]
    assert max(len([n for n in p if n != "urgent"]) for p in reads) == 2
    assert seen["urgent_left"] == 0 and seen["epolls"] == 2


def test_without_serve_urgent_first_urgent_descriptors_share_the_one_epoll():
    """In xivo-agid alone (no ``serve_urgent_first``) no second epoll is made: a
    descriptor marked ``urgent`` is watched by the reactor's one epoll and read in turn
    with the others."""
    seen = run(
        PASSES
        + """
class Urgent(Reader):
    urgent = True

readable(Urgent, "urgent")
for i in range(3):
    readable(Reader, f"r{i}")
seen["epolls"] = epolls()
count_passes(4)
"""
    )
    assert seen["epolls"] == 1
    assert sorted(n for p in seen["passes"] for n in p) == ["r0", "r1", "r2", "urgent"]
    assert max(len(p) for p in seen["passes"]) == 2
