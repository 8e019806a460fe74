"""Tests of xivo_agid.fastagi._report: a request's log lines and its counted outcome."""

from twisted.internet.defer import CancelledError
from twisted.internet.task import Clock
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import AGIHangup, FastAGIFactory
from xivo_agid.fastagi._environment import parse_environment
from xivo_agid.fastagi._report import RequestReport
from xivo_agid.metrics import AgidMetrics


def _server() -> FastAGIFactory:
    return FastAGIFactory({"known": print}, FastAGIConfig(), Clock(), AgidMetrics())


def _report(server: FastAGIFactory) -> RequestReport:
    return RequestReport(server, "192.0.2.7")


def _env(script: str):
    return parse_environment(
        b"agi_network_script: %s\nagi_channel: PJSIP/a-1\nagi_uniqueid: 17.1\n" % script.encode()
    )


def _count(server: FastAGIFactory, script: str, outcome: str) -> float | None:
    labels = {"script": script, "outcome": outcome}
    return server.metrics.registry.get_sample_value("xivo_agid_requests_total", labels)


def test_first_outcome_wins_and_is_counted_under_its_script() -> None:
    """The first outcome known is counted once the connection is gone; a script with no
    handler is counted as unknown; no environment at all as no_environment."""
    server = _server()
    report = _report(server)
    report.env = _env("known")
    report.ended("timeout")
    report.ended("ok")
    report.count()
    assert report.outcome == "timeout" and _count(server, "known", "timeout") == 1
    assert _count(server, "known", "ok") is None
    stranger = _report(server)
    stranger.env = _env("nosuch")
    stranger.count()
    assert _count(server, "unknown", "connection_lost") == 1
    silent = _report(server)
    silent.count()
    assert _count(server, "", "no_environment") == 1


def test_handler_failures_are_told_apart() -> None:
    """A hangup under the handler is an informational hangup, a cancel adds nothing, any
    other failure is an error logged with its channel and traceback."""
    server = _server()
    hangup, cancelled, broken = _report(server), _report(server), _report(server)
    for report in (hangup, cancelled, broken):
        report.env = _env("known")
    with capturedLogs() as events:
        hangup.handler_failed(Failure(AGIHangup("HANGUP received")))
        cancelled.handler_failed(Failure(CancelledError()))
        broken.handler_failed(Failure(ZeroDivisionError("boom")))
    assert (hangup.outcome, cancelled.outcome, broken.outcome) == ("hangup", None, "error")
    text = [formatEvent(e) for e in events]
    assert any("session ended early" in t and "PJSIP/a-1" in t for t in text)
    assert any("'known' failed on channel PJSIP/a-1 uniqueid 17.1" in t for t in text)
    assert any(e.get("log_failure") and e["log_failure"].check(ZeroDivisionError) for e in events)


def test_limited_lines_name_the_peer_and_are_rate_limited() -> None:
    """What the peer did wrong is logged with its address, and no more than the server's
    burst in one interval."""
    server = _server()
    report = _report(server)
    burst = server.peer_log.burst
    with capturedLogs() as events:
        for _ in range(burst + 3):
            report.log("warn", "garbage from the peer", limited=True)
    text = [formatEvent(e) for e in events]
    assert len(text) == burst and all("(peer 192.0.2.7)" in t for t in text)
