"""Tests for xivo.ops.logging."""

import json

from twisted.logger import Logger

from xivo.ops.logging import json_observer


def test_json_observer_keeps_structured_fields(capsys):
    """Each event becomes one JSON line carrying its structured fields."""
    observer = json_observer()
    log = Logger(namespace="test", observer=observer)
    log.info("call {uniqueid} named", uniqueid="1700000000.1", channel="PJSIP/alice-0001")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    event = json.loads(lines[0])
    assert event["uniqueid"] == "1700000000.1"
    assert event["channel"] == "PJSIP/alice-0001"
