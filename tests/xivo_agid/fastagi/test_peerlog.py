"""Tests of xivo_agid.fastagi._peerlog: misbehaving peers logged under one rate."""

from twisted.internet.task import Clock
from twisted.logger import Logger, capturedLogs, formatEvent

from xivo_agid.fastagi._peerlog import PeerLog


def test_burst_per_interval_then_held_back_counted_on_the_next_line():
    """``burst`` lines per interval are logged; the rest are counted into the next one."""
    clock = Clock()
    peer_log = PeerLog(Logger(namespace="test"), clock, interval=1.0, burst=2)
    with capturedLogs() as events:
        for i in range(10):
            peer_log.emit("info", "bad peer {n}", n=i)
        clock.advance(1.0)
        peer_log.emit("warn", "bad peer {n}", n=10)
    lines = [formatEvent(e) for e in events]
    assert lines == ["bad peer 0", "bad peer 1", "bad peer 10 (8 similar lines not logged)"]
    assert events[-1]["log_level"].name == "warn" and peer_log.held_back == 0
