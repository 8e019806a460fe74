"""Tests for xivo.ops.logging."""

import io
import json

from twisted.logger import Logger
from twisted.python.failure import Failure

from xivo.ops.logging import json_observer


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_observer_keeps_structured_fields(capsys):
    """Each event becomes one JSON line on stdout: time, level, namespace, the formatted
    message and the event's own fields as keys."""
    observer = json_observer()
    log = Logger(namespace="test", observer=observer)
    log.warn("call {uniqueid} named", uniqueid="1700000000.1", channel="PJSIP/alice-0001")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["uniqueid"] == "1700000000.1"
    assert event["channel"] == "PJSIP/alice-0001"
    assert (event["level"], event["namespace"]) == ("warn", "test")
    assert event["message"] == "call 1700000000.1 named"
    assert event["time"].endswith("+00:00")
    assert not [key for key in event if key.startswith("log_")]


def test_values_that_are_not_json_become_their_repr():
    """Objects that JSON cannot hold are written as their repr; plain values stay typed."""
    stream = io.StringIO()
    log = Logger(namespace="test", observer=json_observer(stream))
    log.info("{count} sessions", count=3, peer=("127.0.0.1", 5003), ok=True, none=None)
    [event] = _lines(stream)
    assert (event["count"], event["ok"], event["none"]) == (3, True, None)
    assert event["peer"] == "('127.0.0.1', 5003)"


def test_failures_carry_error_and_traceback():
    """A logged failure adds its type and message, and the traceback text."""
    stream = io.StringIO()
    log = Logger(namespace="test", observer=json_observer(stream))
    try:
        raise ValueError("bad row")
    except ValueError:
        log.failure("lookup failed for {uniqueid}", Failure(), uniqueid="1.1")
    [event] = _lines(stream)
    assert event["level"] == "critical"
    assert event["error"] == "ValueError: bad row"
    assert "Traceback" in event["traceback"] and "bad row" in event["traceback"]
    assert event["message"] == "lookup failed for 1.1"
