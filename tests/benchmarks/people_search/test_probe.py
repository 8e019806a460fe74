"""Tests of the people search benchmark's probe: a search's stamps inside the server."""

from __future__ import annotations

import json
from array import array
from typing import Any

import pytest

from benchmarks.people_search.probe import PARTS, SearchProbe


class Transport:
    """A Twisted TCP transport's two methods the probe wraps; ``accept`` bytes per send."""

    def __init__(self) -> None:
        self.buffer = b""
        self.accept = 1 << 20

    def write(self, data: bytes) -> None:
        self.buffer += data

    def writeSomeData(self, data: bytes) -> int:
        sent = min(len(data), self.accept)
        self.buffer = self.buffer[sent:]
        return sent


class Conn:
    """A CTI connection: a reply first writes the queued push, then itself."""

    def __init__(self) -> None:
        self.transport = Transport()
        self.queued_size = 0
        self.requests: list[bytes] = []

    def dataReceived(self, data: bytes) -> None:
        self.requests.append(data)

    def send(self, message: dict[str, Any]) -> None:
        self.transport.write(b'{"class":"phones"}\n')
        self.transport.write(json.dumps(message).encode() + b"\n")


class Times:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_search_is_stamped_at_each_step_and_split_into_parts() -> None:
    times, conn = Times(), Conn()
    probe = SearchProbe(now=times)
    probe.attach(conn)
    times.now = 1.0
    conn.dataReceived(b'{"class":"people_search","pattern":"ab","commandid":7}\n')
    assert conn.requests  # still handed over
    times.now = 1.25
    conn.send({"class": "people_search_result", "replyid": 7, "results": []})
    conn.send({"class": "phones"})  # not a reply: not stamped
    times.now = 2.0
    conn.transport.accept = 10
    conn.transport.writeSomeData(conn.transport.buffer)  # the reply's end not yet sent
    assert probe.sent == {}
    times.now = 2.5
    conn.transport.accept = 1 << 20
    conn.transport.writeSomeData(conn.transport.buffer)
    assert (probe.read, probe.handled, probe.queued, probe.sent) == (
        {7: 1.0}, {7: 1.25}, {7: 1.25}, {7: 2.5}
    )  # fmt: skip
    parts = probe.parts({7: 0.5, 8: 0.6}, {7: 3.0})  # 8: never answered, left out
    assert parts == {
        "read wait": [0.5], "handling": [0.25], "reply queued": [0.0],
        "reply written": [1.25], "reading": [0.5],
    }  # fmt: skip


def test_a_reply_queued_while_paused_counts_the_queue_ahead() -> None:
    """Bytes queued in the protocol go to the transport before the reply's end."""
    times, conn = Times(), Conn()
    probe = SearchProbe(now=times)
    probe.attach(conn)
    conn.queued_size = 1000
    conn.send({"class": "people_search_result", "replyid": 3})
    probe.sent_bytes(len(conn.transport.buffer), 0.0)
    assert probe.sent == {}
    probe.sent_bytes(1000, 0.0)
    assert probe.sent == {3: 0.0}


def test_summary_gives_each_part_and_the_slowest_searches() -> None:
    times, conn = Times(), Conn()
    probe = SearchProbe(now=times)
    probe.attach(conn)
    ids, sent_at, took = array("q"), array("d"), array("d")
    for i in range(100):
        start = float(i)
        times.now = start + (0.05 if i == 99 else 0.001)  # one slow read
        conn.dataReceived(b'{"commandid":%d}' % i)
        conn.send({"class": "people_search_result", "replyid": i})
        probe.sent_bytes(len(conn.transport.buffer), times.now)
        conn.transport.buffer = b""
        ids.append(i), sent_at.append(start), took.append(times.now - start + 0.002)
    search = {"ids": ids.tobytes(), "sent_at": sent_at.tobytes(), "latencies": took.tobytes()}
    lines = probe.summary(search)
    assert [line.split(" p50=")[0].strip() for line in lines] == list(PARTS)
    assert "p50=  1.00 ms" in lines[0] and "slowest 1%= 50.00 ms" in lines[0]
    assert "slowest 1%=  2.00 ms" in lines[-1]
    assert lines[1].count("0.00 ms") == 3


def test_a_reply_sent_inside_send_is_stamped_with_that_send() -> None:
    """A transport writing at once: the reply's send starts before ``send`` returns."""
    times, conn = Times(), Conn()
    conn.transport.write = lambda data: conn.transport.writeSomeData(data)  # type: ignore[method-assign]
    probe = SearchProbe(now=times)
    probe.attach(conn)
    times.now = 5.0
    conn.send({"class": "people_search_result", "replyid": 9})
    assert probe.sent == {9: 5.0} and probe._waiting == []


@pytest.mark.parametrize("data", [b'{"commandid": 12}\n', b'{"commandid":12,"x":1}\n'])
def test_the_request_id_is_found_with_or_without_spaces(data: bytes) -> None:
    conn, probe = Conn(), SearchProbe(now=lambda: 4.0)
    probe.attach(conn)
    conn.dataReceived(data)
    assert probe.read == {12: 4.0}
