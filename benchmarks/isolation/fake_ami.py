"""A fake Asterisk for the isolation benchmark: answers every action, replays events on cue.

    python -m benchmarks.isolation.fake_ami --port 5038 --copies 4

It accepts any login, answers every action with ``Response: Success`` (list actions get
an empty list), and after SIGUSR1 streams the recorded 300-call burst
(tests/data/ami/08_burst_300_calls.txt, ``--copies`` copies with distinct uniqueids,
looped) to every connection as fast as the client reads it (a pull producer: the next
chunk is written when the socket drained).  SIGUSR2 stops the stream and prints, as one
JSON line on stderr, the longest time a chunk waited for the socket to drain: what
Asterisk's AMI ``writetimeout`` (100 ms by default) compares with.  Runs in its own
process with its own reactor.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time

from twisted.internet import protocol
from twisted.internet.interfaces import IPullProducer
from zope.interface import implementer

from benchmarks.ami_state.run import load

BANNER = b"Asterisk Call Manager/11.0.0\r\n"
ACTION = re.compile(rb"^Action: *([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
ACTION_ID = re.compile(rb"^ActionID: *([^\r\n]*)", re.IGNORECASE | re.MULTILINE)
CHUNK = 256 * 1024


def answer(block: bytes) -> bytes:
    """The reply to one action block: Success, plus an empty list for list actions."""
    name = (m.group(1) if (m := ACTION.search(block)) else b"").lower()
    action_id = m.group(1) if (m := ACTION_ID.search(block)) else b""
    reply = b"Response: Success\r\nActionID: " + action_id + b"\r\n"
    if name == b"login":
        return reply + b"Message: Authentication accepted\r\n\r\n"
    if name in (b"ping", b"command", b"events", b"filter", b"logoff"):
        return reply + b"Ping: Pong\r\n\r\n"
    return (
        reply + b"EventList: start\r\n\r\n"
        b"Event: " + name + b"Complete\r\nActionID: " + action_id + b"\r\n"
        b"EventList: Complete\r\nListItems: 0\r\n\r\n"
    )


@implementer(IPullProducer)
class FakeAsterisk(protocol.Protocol):
    """One AMI connection."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.buffer = b""
        self.offset = 0
        self.streaming = False
        self.last_write = 0.0

    def connectionMade(self) -> None:
        self.transport.write(BANNER)
        self.server.connections.add(self)
        if self.server.streaming:
            self.start()

    def connectionLost(self, reason: object = None) -> None:
        self.server.connections.discard(self)

    def dataReceived(self, data: bytes) -> None:
        self.buffer += data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        while b"\r\n\r\n" in self.buffer:
            block, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self.transport.write(answer(block))

    def start(self) -> None:
        if not self.streaming:
            self.streaming = True
            self.last_write = time.monotonic()
            self.transport.registerProducer(self, False)

    def stop(self) -> None:
        if self.streaming:
            self.streaming = False
            self.transport.unregisterProducer()

    def resumeProducing(self) -> None:
        now = time.monotonic()
        self.server.longest_block = max(self.server.longest_block, now - self.last_write)
        self.last_write = now
        payload = self.server.payload
        end = min(self.offset + CHUNK, len(payload))
        self.transport.write(payload[self.offset : end])
        self.server.sent += end - self.offset
        self.offset = end % len(payload)

    def stopProducing(self) -> None:
        self.streaming = False


class Server(protocol.Factory):
    """The listening side; ``payload`` is message-aligned so it can loop."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.connections: set[FakeAsterisk] = set()
        self.streaming = False
        self.sent = 0
        self.longest_block = 0.0

    def buildProtocol(self, addr: object) -> FakeAsterisk:
        return FakeAsterisk(self)

    def set_streaming(self, on: bool) -> None:
        self.streaming = on
        for conn in list(self.connections):
            conn.start() if on else conn.stop()
        if not on:
            block = {"fake_ami_longest_write_block_ms": round(self.longest_block * 1000, 1)}
            print(json.dumps(block), file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--copies", type=int, default=4)
    args = parser.parse_args()
    from twisted.internet import reactor

    server = Server(load(args.copies))
    signal.signal(signal.SIGUSR1, lambda *_: reactor.callFromThread(server.set_streaming, True))
    signal.signal(signal.SIGUSR2, lambda *_: reactor.callFromThread(server.set_streaming, False))
    reactor.listenTCP(args.port, server, interface="127.0.0.1")
    reactor.run()


if __name__ == "__main__":
    main()
