"""Tests of the FastAGI Twisted protocol, driven through StringTransport and a Clock."""

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs, formatEvent
from twisted.python.failure import Failure

from xivo_agid.config import FastAGIConfig
from xivo_agid.fastagi import AGIConnectionLost, AGIHangup, FastAGIFactory
from xivo_agid.metrics import AgidMetrics

ENV = (
    b"agi_network: yes\nagi_network_script: {script}\nagi_channel: PJSIP/a-1\n"
    b"agi_uniqueid: 1700.42\nagi_callerid: 100\nagi_arg_1: x\n\n"
)


class Connection:
    """A protocol connected to a StringTransport, with its factory and clock."""

    def __init__(self, handlers, config=None):
        self.clock = Clock()
        self.factory = FastAGIFactory(
            handlers, config or FastAGIConfig(), self.clock, AgidMetrics()
        )
        self.protocol = self.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def send(self, data):
        """Deliver bytes from Asterisk."""
        self.protocol.dataReceived(data)

    def start(self, script="test"):
        """Send the environment block for ``script``."""
        self.send(ENV.replace(b"{script}", script.encode()))

    def written(self):
        """What the server wrote so far (and clear it)."""
        value = self.transport.value()
        self.transport.clear()
        return value

    @property
    def closing(self):
        """True once the server asked to close the connection."""
        return self.transport.disconnecting

    def lose(self):
        """The peer closes the connection."""
        self.protocol.connectionLost(Failure(ConnectionDone()))


def recording_handler(record):
    """A coroutine handler reading a variable and setting another."""

    async def handler(session):
        record["env"] = session.env
        record["value"] = await session.get_variable("X")
        await session.set_variable("Y", "1")
        record["done"] = True

    return handler


def test_routes_to_handler_and_closes_when_done():
    """The script picks the handler; its commands go out; the connection closes after it."""
    record = {}
    conn = Connection({"test": recording_handler(record)})
    conn.start()
    assert record["env"].args == ("x",) and record["env"].uniqueid == "1700.42"
    assert conn.written() == b'GET VARIABLE "X"\n'
    conn.send(b"200 result=1 (v)\n")
    assert conn.written() == b'SET VARIABLE "Y" "1"\n'
    assert not conn.closing
    conn.send(b"200 result=1\n")
    assert record == {**record, "value": "v", "done": True}
    assert conn.closing
    conn.lose()
    assert conn.factory.connections == {}


def test_plain_function_and_deferred_handlers():
    """A handler may return None or a Deferred; the session ends when it fires."""
    conn = Connection({"test": lambda session: None})
    conn.start()
    assert conn.closing
    d = Deferred()
    conn = Connection({"test": lambda session: d})
    conn.start()
    assert not conn.closing
    d.callback(None)
    assert conn.closing


def test_unknown_script_logged_and_closed():
    """An unknown script is logged and the connection closed without any command."""
    conn = Connection({"test": lambda s: None})
    with capturedLogs() as events:
        conn.start("nope?x=1")
    assert conn.closing and conn.written() == b""
    assert any(e.get("script") == "nope" and e.get("channel") == "PJSIP/a-1" for e in events)


def test_handler_exception_logged_with_channel_and_closed():
    """A failing handler is logged with channel and uniqueid; nothing is sent to the call."""

    def handler(session):
        raise RuntimeError("boom")

    conn = Connection({"test": handler})
    with capturedLogs() as events:
        conn.start()
    assert conn.closing and conn.written() == b""
    failures = [e for e in events if "log_failure" in e]
    assert len(failures) == 1
    assert failures[0]["channel"] == "PJSIP/a-1" and failures[0]["uniqueid"] == "1700.42"
    assert failures[0]["log_failure"].check(RuntimeError)


def test_header_timeout_drops_silent_client():
    """A client that says nothing is dropped after header_timeout."""
    conn = Connection({}, FastAGIConfig(header_timeout=2.0))
    conn.send(b"agi_network: yes\n")
    conn.clock.advance(1.9)
    assert not conn.closing
    conn.clock.advance(0.2)
    assert conn.closing


def test_header_timer_stops_once_environment_received():
    """The header timeout no longer applies after the environment block."""
    d = Deferred()
    conn = Connection({"test": lambda s: d}, FastAGIConfig(header_timeout=1, session_timeout=10))
    conn.start()
    conn.clock.advance(5)
    assert not conn.closing


def test_session_deadline_counts_from_the_environment():
    """The session deadline runs from the environment, the header one no longer applies;
    once the request is over no timer is left."""
    d = Deferred()
    conn = Connection({"test": lambda s: d}, FastAGIConfig(header_timeout=2, session_timeout=10))
    conn.clock.advance(1.5)
    conn.start()
    conn.clock.advance(9.9)
    assert not conn.closing
    conn.clock.advance(0.1)
    assert conn.closing and conn.protocol.outcome == "timeout"
    conn.lose()
    assert conn.clock.getDelayedCalls() == []


def test_no_timer_left_once_the_deadlines_pass():
    """A request finished early leaves its deadlines to pass without effect, after which
    no timer is left."""
    conn = Connection({"test": lambda s: None}, FastAGIConfig(header_timeout=2, session_timeout=10))
    conn.clock.advance(1.5)
    conn.start()
    assert conn.closing and conn.protocol.outcome == "ok"
    conn.lose()
    conn.clock.advance(10)
    assert conn.protocol.outcome == "ok" and conn.clock.getDelayedCalls() == []


def test_session_deadline_cancels_handler_and_closes():
    """After session_timeout the handler is cancelled and the connection closed cleanly."""
    outcome = []

    async def handler(session):
        try:
            await session.get_variable("X")
        except BaseException as e:
            outcome.append(type(e).__name__)
            raise

    conn = Connection({"test": handler}, FastAGIConfig(session_timeout=5))
    conn.start()
    conn.clock.advance(4.9)
    assert not conn.closing
    conn.clock.advance(0.2)
    assert conn.closing and outcome == ["CancelledError"]
    conn.send(b"200 result=1 (late)\n")  # ignored after close
    conn.lose()
    assert conn.clock.getDelayedCalls() == []


def test_hangup_mid_session_pending_reply_then_fail_fast():
    """HANGUP before the reply: the pending command still gets it, the next one fails fast."""
    seen = []

    async def handler(session):
        seen.append(await session.get_variable("X"))
        try:
            await session.verbose("after hangup")
        except AGIHangup:
            seen.append("hangup")

    conn = Connection({"test": handler})
    conn.start()
    conn.send(b"HANGUP\n")
    assert not conn.closing
    conn.send(b"200 result=1 (v)\n")
    assert seen == ["v", "hangup"]
    assert conn.closing
    assert conn.written() == b'GET VARIABLE "X"\n'


def test_eof_mid_reply_fails_pending_command_clearly():
    """End of file in the middle of a reply fails the pending command with a clear error."""
    errors = []

    async def handler(session):
        try:
            await session.get_variable("X")
        except AGIConnectionLost as e:
            errors.append(str(e))

    conn = Connection({"test": handler})
    conn.start()
    conn.send(b"200 result=1 (partial")
    conn.lose()
    assert errors and "middle of a reply" in errors[0]
    assert conn.factory.connections == {}


def test_interim_and_stray_lines_are_skipped():
    """100 Trying and unexpected lines do not complete the pending command."""
    record = {}
    conn = Connection({"test": recording_handler(record)})
    conn.start()
    conn.send(b"100 result=0 Trying...\nnoise\n")
    assert "value" not in record
    conn.send(b"200 result=1 (v)\n")
    assert record["value"] == "v"


def test_protocol_error_closes_connection():
    """An oversized environment block is a protocol error: logged, connection closed."""
    conn = Connection({})
    with capturedLogs() as events:
        conn.send(b"agi_x: " + b"y" * 70000)
    assert conn.closing
    assert any("protocol error" in e.get("log_format", "") for e in events)
    conn.send(b"more\n\n")  # ignored


def test_reply_before_environment_routes_nothing():
    """Data after close is ignored and no handler ever runs."""
    called = []
    conn = Connection({"test": called.append}, FastAGIConfig(header_timeout=1))
    conn.clock.advance(1)
    conn.start()
    assert called == [] and conn.closing


@pytest.mark.parametrize("chunk", [1, 2, 7, 64])
def test_chunked_delivery(chunk):
    """Environment and replies split into small chunks behave the same."""
    record = {}
    conn = Connection({"test": recording_handler(record)})
    data = ENV.replace(b"{script}", b"test")
    for i in range(0, len(data), chunk):
        conn.send(data[i : i + chunk])
    for piece in (b"200 result=1 (v)\n", b"200 result=1\n"):
        for i in range(0, len(piece), chunk):
            conn.send(piece[i : i + chunk])
    assert record["value"] == "v" and record["done"] and conn.closing


def _requests(conn, script, outcome):
    labels = {"script": script, "outcome": outcome}
    return conn.factory.metrics.registry.get_sample_value("xivo_agid_requests_total", labels)


@pytest.mark.parametrize(
    ("script", "label", "outcome"),
    [("ok", "ok", "ok"), ("boom", "boom", "error"), ("nosuch", "unknown", "unknown_script")],
)
def test_request_counted_by_script_and_outcome(script, label, outcome):
    """At connection end the request is counted once with its script and outcome."""

    async def ok(session):
        return None

    async def boom(session):
        raise RuntimeError("broken handler")

    conn = Connection({"ok": ok, "boom": boom})
    with capturedLogs():
        conn.start(script)
        conn.lose()
    assert _requests(conn, label, outcome) == 1


def test_timeout_and_silent_peer_outcomes():
    """A handler past the deadline counts as timeout; no environment as no_environment."""
    conn = Connection({"slow": lambda session: Deferred()})
    silent = Connection({})
    with capturedLogs():
        conn.start("slow")
        conn.clock.advance(FastAGIConfig().session_timeout)
        conn.lose()
        silent.clock.advance(FastAGIConfig().header_timeout)
        silent.lose()
    assert _requests(conn, "slow", "timeout") == 1
    assert _requests(silent, "", "no_environment") == 1


def _unexpected_count(conn):
    return conn.factory.metrics.registry.get_sample_value("xivo_agid_unexpected_input_total")


def test_garbage_after_the_environment_is_logged_once_then_dropped():
    """A read full of garbage: counted, one line logged, the connection dropped after
    MAX_UNEXPECTED lines and the rest of the read left unread."""
    conn = Connection({"test": recording_handler({})})
    with capturedLogs() as events:
        conn.start()
        conn.send(b"x\n" * 32768)
        conn.lose()
    limit = conn.protocol.MAX_UNEXPECTED
    assert conn.closing
    assert _unexpected_count(conn) == limit + 1
    lines = [formatEvent(e) for e in events]
    assert len([line for line in lines if "unexpected line ignored: 'x'" in line]) == 1
    assert len([line for line in lines if "unexpected lines, closing" in line]) == 1
    assert len(lines) <= 4


def test_a_few_stray_lines_are_tolerated():
    """Up to MAX_UNEXPECTED stray lines (a late reply, a second HANGUP) keep the session."""
    record = {}
    conn = Connection({"test": recording_handler(record)})
    with capturedLogs() as events:
        conn.start()
        conn.send(b"noise\n" * conn.protocol.MAX_UNEXPECTED)
        conn.send(b"200 result=1 (v)\n")
    assert record["value"] == "v" and not conn.closing
    assert len([e for e in events if "ignored" in e.get("log_format", "")]) == 1


def test_misbehaving_peers_are_logged_under_one_rate_limit():
    """Many connections sending garbage at once: the lines logged are capped server-wide."""
    first = Connection({"test": recording_handler({})})
    protocols = []
    with capturedLogs() as events:
        for port in range(50):
            protocol = first.factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 41000 + port))
            protocol.makeConnection(StringTransport())
            protocol.dataReceived(ENV.replace(b"{script}", b"test") + b"x\n" * 100)
            protocols.append(protocol)
    assert all(p.transport.disconnecting for p in protocols)
    assert len(events) <= first.factory.peer_log.burst
    assert first.factory.peer_log.held_back >= 50


def test_protocol_error_is_logged_once():
    """An oversized environment is logged once, also when the connection then closes."""
    conn = Connection({})
    with capturedLogs() as events:
        conn.send(b"agi_x: " + b"y" * 70000)
        conn.lose()
    assert len([e for e in events if "protocol error" in e.get("log_format", "")]) == 1
