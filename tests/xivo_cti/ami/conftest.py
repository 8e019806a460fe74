"""Fixtures for the AMI tests: a connected AMIProtocol on a StringTransport and a Clock."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from xivo_cti.ami._protocol import AMIProtocol

BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class Peer:
    """A connected protocol with helpers to read what it sent and answer it."""

    def __init__(self) -> None:
        self.clock = Clock()
        self.transport = StringTransport()
        self.protocol = AMIProtocol(self.clock, action_timeout=5.0)
        self.protocol.makeConnection(self.transport)
        self.protocol.dataReceived(BANNER)

    def sent(self) -> list[dict[str, list[str]]]:
        """The actions written since the last call, as key -> values."""
        raw = self.transport.value().decode()
        self.transport.clear()
        actions = []
        for block in raw.split("\r\n\r\n"):
            if block:
                action: dict[str, list[str]] = {}
                for line in block.split("\r\n"):
                    key, _, value = line.partition(": ")
                    action.setdefault(key, []).append(value)
                actions.append(action)
        return actions

    def last_id(self) -> str:
        return self.sent()[-1]["ActionID"][0]

    def send(self, *lines: str) -> None:
        self.protocol.dataReceived(("\r\n".join(lines) + "\r\n\r\n").encode())


def result_of(d):
    results = []
    d.addBoth(results.append)
    assert results, "Deferred has not fired"
    return results[0]


@pytest.fixture
def peer():
    return Peer()
