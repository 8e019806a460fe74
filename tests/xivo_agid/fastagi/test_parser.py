"""Tests of the sans-IO FastAGI parser."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_agid.fastagi._errors import AGIProtocolError
from xivo_agid.fastagi._events import (
    EnvironmentReceived,
    HangupReceived,
    InterimReplyReceived,
    ReplyReceived,
    StreamEnded,
    UnexpectedLine,
)
from xivo_agid.fastagi._parser import _FREQUENT, FastAGIParser
from xivo_agid.fastagi._reply import parse_reply

ENV = (
    b"agi_network: yes\nagi_network_script: monitoring\nagi_channel: PJSIP/a-1\n"
    b"agi_calleridname: Jos\xc3\xa9 \nagi_arg_1: trailing \n\n"  # issue 22: spaces kept
)
USAGE = (
    b"520-Invalid command syntax.  Proper usage follows:\n"
    b" Usage: GET VARIABLE <variableName>\n"
    b"200 looks like a reply but is usage text\n"
    b"520 End of proper usage.\n"
)
SPEECH = (
    b'200 result=1 (speech) endpos=0 results=1 score0=969 text0="hello world" grammar0=digits\n'
)
SESSION = (
    ENV
    + b"200 result=1 (Alice)\n"
    + b"100 result=0 Trying...\n"
    + b"200 result=0\n"
    + b"HANGUP\n"
    + USAGE
    + b"511 Command Not Permitted on a dead channel or intercept routine\n"
    + b"200 result= (timeout)\n"
    + b"200 result=\n"
    + SPEECH
)


def events_of(parser):
    """Drain every event the parser has ready."""
    out = []
    while (event := parser.next_event()) is not None:
        out.append(event)
    return out


def parse(data, chunk=None, eof=True):
    """Feed ``data`` (in chunks of ``chunk`` bytes) and return every event."""
    parser = FastAGIParser()
    chunk = chunk or len(data) or 1
    out = []
    for i in range(0, len(data), chunk):
        parser.receive_data(data[i : i + chunk])
        out += events_of(parser)
    if eof:
        parser.receive_eof()
        out += events_of(parser)
    return out


def describe(events):
    """A comparable summary of events (replies and environment headers compared whole)."""

    def summary(event):
        if isinstance(event, EnvironmentReceived):
            return dict(event.environment.headers)
        return getattr(event, "reply", None)

    return [(type(e).__name__, summary(e)) for e in events]


def test_full_session():
    """Environment, final and interim replies, HANGUP and a multi-line 520 come out in order."""
    events = parse(SESSION)
    assert isinstance(events[0], EnvironmentReceived)
    assert events[0].environment.script == "monitoring"
    assert events[0].environment.calleridname == "José "
    assert events[0].environment.args == ("trailing ",)
    assert isinstance(events[1], ReplyReceived) and events[1].reply.data == "Alice"
    assert isinstance(events[2], InterimReplyReceived) and events[2].reply.code == 100
    assert isinstance(events[3], ReplyReceived) and events[3].reply.result == "0"
    assert isinstance(events[4], HangupReceived)
    assert isinstance(events[5], ReplyReceived) and events[5].reply.code == 520
    assert events[5].reply.text == USAGE.decode().rstrip("\n")
    assert isinstance(events[6], ReplyReceived) and events[6].reply.code == 511
    assert [(e.reply.result, e.reply.data) for e in events[7:9]] == [("", "timeout"), ("", None)]
    assert events[9].reply.extra["text0"] == "hello world"
    assert events[9].reply.extra["endpos"] == "0"
    assert events[10] == StreamEnded(incomplete=False)
    assert len(events) == 11


@pytest.mark.parametrize("chunk", range(1, len(SESSION) + 1))
def test_replay_at_every_chunk_size(chunk):
    """The same bytes give the same events whatever the chunk size."""
    assert describe(parse(SESSION, chunk)) == describe(parse(SESSION))


@pytest.mark.parametrize("line", sorted(_FREQUENT))
def test_frequent_replies_read_like_any_other(line):
    """The replies parsed once at import equal what parsing the line gives."""
    text = line.decode()
    expected = ReplyReceived(reply=parse_reply(int(text[:3]), [text]))
    assert parse(ENV + line + b"\n")[1] == expected
    assert parse(ENV + line + b"\r\n")[1] == expected
    assert parse(ENV + b" " + line + b"\n")[1] == UnexpectedLine(line=" " + text)


def test_frequent_reply_text_inside_a_multi_line_reply_is_usage_text():
    """``200 result=1`` between ``520-`` and ``520 `` belongs to the 520 reply."""
    usage = b"520-Invalid command syntax.\n200 result=1\n520 End of proper usage.\n"
    events = parse(ENV + usage + b"200 result=1\n")
    assert [type(e) for e in events[1:]] == [ReplyReceived, ReplyReceived, StreamEnded]
    assert events[1].reply.code == 520
    assert events[1].reply.text == usage.decode().rstrip("\n")
    assert events[2].reply.code == 200 and events[2].reply.result == "1"


def test_crlf_accepted():
    """CRLF line ends read like LF."""
    events = parse(SESSION.replace(b"\n", b"\r\n"))
    assert describe(events) == describe(parse(SESSION))


def test_cr_inside_a_reply_value_is_kept():
    """A variable's value holding a CR comes back whole (only LF, or CRLF, ends a line)."""
    events = parse(ENV + b"200 result=1 (a\rb)\r\n", chunk=1)
    assert events[1].reply.result == "1" and events[1].reply.data == "a\rb"


def test_hangup_before_reply():
    """A HANGUP line may come before the reply being waited for."""
    events = parse(ENV + b"HANGUP\n200 result=1\n")
    assert [type(e) for e in events[1:3]] == [HangupReceived, ReplyReceived]


def test_unexpected_line():
    """A line that is not a reply is reported, not raised."""
    events = parse(ENV + b"hello\n")
    assert events[1] == UnexpectedLine(line="hello")


def test_eof_mid_reply_is_incomplete():
    """End of file inside a reply line or a multi-line reply is reported as incomplete."""
    assert parse(ENV + b"200 resu")[-1] == StreamEnded(incomplete=True)
    assert parse(ENV + b"520-Invalid\nUsage\n")[-1] == StreamEnded(incomplete=True)
    assert parse(b"agi_channel: x\n")[-1] == StreamEnded(incomplete=True)


def test_eof_is_reported_once_and_later_data_ignored():
    """After StreamEnded the parser yields nothing more."""
    parser = FastAGIParser()
    parser.receive_eof()
    assert parser.next_event() == StreamEnded(incomplete=True)
    parser.receive_data(ENV)
    assert parser.next_event() is None


def test_environment_size_limit():
    """An environment block over its size limit raises AGIProtocolError."""
    parser = FastAGIParser(max_environment_size=100)
    parser.receive_data(b"agi_x: " + b"y" * 200)
    with pytest.raises(AGIProtocolError):
        parser.next_event()


def test_environment_line_limit():
    """An environment block over its line count limit raises AGIProtocolError."""
    parser = FastAGIParser(max_environment_lines=5)
    parser.receive_data(b"a: b\n" * 10)
    with pytest.raises(AGIProtocolError):
        parser.next_event()


def test_reply_line_limit():
    """A reply line over the size limit raises AGIProtocolError, even when complete."""
    parser = FastAGIParser(max_reply_size=50)
    parser.receive_data(ENV + b"200 result=1 (" + b"x" * 100 + b")\n")
    assert isinstance(parser.next_event(), EnvironmentReceived)
    with pytest.raises(AGIProtocolError):
        parser.next_event()


def test_multi_line_reply_limit():
    """A multi-line reply that never ends is cut off by the line limit."""
    parser = FastAGIParser(max_reply_lines=3)
    parser.receive_data(ENV + b"520-start\n" + b"usage\n" * 5)
    assert isinstance(parser.next_event(), EnvironmentReceived)
    with pytest.raises(AGIProtocolError):
        parser.next_event()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.binary(max_size=300) | st.sampled_from(SESSION.splitlines(True)), max_size=30),
    st.sampled_from([b"", ENV, b"agi_a: b\n\n"]),
)
def test_fuzz_only_protocol_error_and_limits_hold(chunks, prefix):
    """Arbitrary bytes in arbitrary chunks: only AGIProtocolError escapes; limits hold."""
    parser = FastAGIParser(
        max_environment_size=200, max_environment_lines=8, max_reply_size=200, max_reply_lines=4
    )
    try:
        for chunk in [prefix, *chunks]:
            parser.receive_data(chunk)
            for event in events_of(parser):
                if isinstance(event, EnvironmentReceived):
                    assert len(event.environment.headers) <= 8
                reply = getattr(event, "reply", None)
                if reply is not None:
                    if reply.result is not None:  # as sent, never guessed
                        assert reply.text[4:].startswith(f"result={reply.result}")
                    assert len(reply.text.encode()) <= 200 * 3 + 4
                    assert reply.text.count("\n") < 4
            assert parser._buffer.pending <= 200 + len(chunk)
        parser.receive_eof()
        assert isinstance(events_of(parser)[-1], StreamEnded)
    except AGIProtocolError:
        pass
