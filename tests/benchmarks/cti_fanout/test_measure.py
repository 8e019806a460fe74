"""Tests of the fan-out benchmark's server-side measures: perf's counts, the sampled sends."""

from __future__ import annotations

import pytest
from twisted.internet.task import Clock

from benchmarks.cti_fanout.measure import ArrivalClock, SendSampler, parse_perf

PERF = """# started on Sun Dec  6 11:50:43 2026

193600,,syscalls:sys_enter_sendto,4386919264,100.00,,
389205,,syscalls:sys_enter_epoll_ctl,4386919264,100.00,,
<not supported>,,syscalls:sys_enter_epoll_wait,0,100.00,,
"""


def test_perf_counts_by_call() -> None:
    assert parse_perf(PERF) == {"sendto": 193600, "epoll_ctl": 389205}
    assert parse_perf("") == {}


class Connection:
    """A Twisted TCP transport's two methods the sampler wraps."""

    def __init__(self) -> None:
        self.buffer: list[bytes] = []
        self.sent: list[bytes] = []
        self.accept = 1 << 20

    def write(self, data: bytes) -> None:
        self.buffer.append(data)

    def writeSomeData(self, data: bytes) -> int:
        sent = min(len(data), self.accept)
        self.sent.append(bytes(data[:sent]))
        return sent


def test_a_send_splits_into_queued_write_and_newest() -> None:
    """Oldest push stamped 10.0, written at 10.5, sent at 10.75: newest stamped 10.25."""
    times = iter([10.5, 10.75])
    sampler, connection = SendSampler(times.__next__), Connection()
    sampler.sample(connection)
    connection.write(b'{"a":1,"timenow":10.0}\n')
    connection.write(b'{"a":2,"timenow":10.25}\n')  # no new timestamp: not the first
    data = b"".join(connection.buffer)
    assert connection.writeSomeData(data) == len(data)
    assert connection.sent == [data]
    assert list(sampler.queued) == [0.5]
    assert list(sampler.to_send) == [0.25]
    assert list(sampler.newest) == [pytest.approx(0.5)]


def test_a_partial_send_counts_only_what_was_sent() -> None:
    times = iter([1.0, 2.0])
    sampler, connection = SendSampler(times.__next__), Connection()
    sampler.sample(connection)
    first, second = b'{"timenow":0.5}\n', b'{"timenow":0.75}\n'
    connection.write(first + second)
    connection.accept = len(first)
    connection.writeSomeData(memoryview(first + second))
    assert list(sampler.newest) == [1.5]  # the second push is not sent yet


def test_a_send_without_a_push_is_not_timed() -> None:
    times = iter([1.0, 2.0])
    sampler, connection = SendSampler(times.__next__), Connection()
    sampler.sample(connection)
    connection.write(b'{"class":"login_id"}\n')
    connection.writeSomeData(b'{"class":"login_id"}\n')
    assert not sampler.queued and not sampler.newest


def test_summary_in_milliseconds() -> None:
    sampler = SendSampler()
    sampler.queued.extend(i / 1000 for i in range(100, 0, -1))
    summary = sampler.summary()
    assert summary["queued"] == [51.0, 100.0]
    assert [str(v) for v in summary["newest"]] == ["nan", "nan"]


def test_arrival_clock_stamps_the_scheduled_arrival() -> None:
    reactor = Clock()
    reactor.advance(7)
    clock = ArrivalClock(reactor)
    assert clock.seconds() == 7
    clock.arrival = 6.5
    assert clock.seconds() == 6.5
    clock.callLater(1, lambda: None)  # everything else is the reactor's
    assert [c.getTime() for c in reactor.getDelayedCalls()] == [8]
