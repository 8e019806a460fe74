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
