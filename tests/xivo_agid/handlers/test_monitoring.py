"""Tests of the monitoring handler."""

from twisted.internet.defer import Deferred
from twisted.internet.task import Clock

from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._reply import parse_reply
from xivo_agid.fastagi._session import AGISession
from xivo_agid.handlers._monitoring import MonitoringHandler


def test_sets_status_and_uptime():
    """It sets XIVO_AGID_STATUS=OK and XIVO_AGID_UPTIME in whole seconds in one EXEC MSet,
    then finishes on its reply."""
    clock = Clock()
    clock.advance(1000)
    handler = MonitoringHandler(clock)
    clock.advance(42.7)
    written = []
    session = AGISession(AGIEnvironment({"network_script": "monitoring"}), written.append)
    done = Deferred.fromCoroutine(handler(session))
    assert written == [b'EXEC "MSet" "XIVO_AGID_STATUS=OK,XIVO_AGID_UPTIME=42"\n']
    assert not done.called
    session.reply_received(parse_reply(200, ["200 result=0"]))
    assert done.called and done.result is None and handler.uptime == 42
