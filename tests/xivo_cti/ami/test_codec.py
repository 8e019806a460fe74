"""Tests for the sans-IO AMI parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.ami._codec import AMIParser, Banner
from xivo_cti.ami._errors import AMIProtocolError
from xivo_cti.ami._message import Message

DATA = Path(__file__).resolve().parents[2] / "data" / "ami"
RECORDINGS = sorted(p for p in DATA.glob("*.txt") if p.stat().st_size < 100_000)
BANNER = b"Asterisk Call Manager/11.0.0\r\n"


def parse(data: bytes, parser: AMIParser | None = None) -> list[Banner | Message]:
    parser = parser or AMIParser()
    parser.receive_data(data)
    return list(parser)


def parse_in_chunks(data: bytes, size: int) -> list[Banner | Message]:
    parser = AMIParser()
    out: list[Banner | Message] = []
    for i in range(0, len(data), size):
        parser.receive_data(data[i : i + size])
        out.extend(parser)
    return out


def test_banner_glued_to_first_message():
    """The banner and a message in the same read come out as a Banner then the Message."""
    events = parse(BANNER + b"Response: Success\r\nMessage: Authentication accepted\r\n\r\n")
    assert events == [
        Banner(text="Asterisk Call Manager/11.0.0", version="11.0.0"),
        Message((("Response", "Success"), ("Message", "Authentication accepted"))),
    ]


def test_not_a_banner_is_a_protocol_error():
    """A first line that is no AMI banner (e.g. an HTTP server) raises AMIProtocolError."""
    with pytest.raises(AMIProtocolError):
        parse(b"HTTP/1.1 400 Bad Request\r\n")


def test_lf_and_crlf_read_alike():
    """Bare LF and CRLF line ends give the same messages."""
    crlf = parse(BANNER + b"Event: A\r\nX: 1\r\n\r\n")
    lf = parse(BANNER + b"Event: A\nX: 1\n\n")
    assert crlf == lf


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_cr_inside_a_value_is_kept(size):
    """A CR that does not end a line is part of its value (Asterisk ends lines at CRLF or
    LF only), whatever the reads; the CRLF after it still ends the line."""
    data = BANNER + b"Event: Newchannel\r\nCallerIDName: Ann\rBob\r\nExten: 100\r\n\r\n"
    (_, message) = parse_in_chunks(data, size)
    assert message.get("CallerIDName") == "Ann\rBob" and message.get("Exten") == "100"


def test_first_colon_split_and_empty_values():
    """Headers split on the first colon; values may be empty or hold colons and parens."""
    (_, message) = parse(
        BANNER + b"Event: VarSet\r\nCallerIDNum: \r\nValue: a: b:c\r\nChanVariable(PJSIP/x): y\r\n"
        b"NoSpace:z\r\n\r\n"
    )
    assert message["CallerIDNum"] == ""
    assert message["Value"] == "a: b:c"
    assert message["ChanVariable(PJSIP/x)"] == "y"
    assert message["NoSpace"] == "z"


def test_repeated_keys_kept_in_order():
    """Repeated keys are all kept; get() returns the first."""
    (_, message) = parse(BANNER + b"Response: Success\nOutput: a\nOutput: b\nOutput: c\n\n")
    assert message.get_all("Output") == ["a", "b", "c"]
    assert message["Output"] == "a"


def test_multibyte_character_split_across_reads():
    """A UTF-8 character split across two reads is decoded intact."""
    data = BANNER + "Event: X\r\nCallerIDName: Zoë Müller\r\n\r\n".encode()
    cut = data.index("ë".encode()) + 1
    parser = AMIParser()
    parser.receive_data(data[:cut])
    first = list(parser)
    parser.receive_data(data[cut:])
    (message,) = list(parser)
    assert len(first) == 1
    assert message["CallerIDName"] == "Zoë Müller"


def test_invalid_utf8_replaced():
    """Invalid UTF-8 is replaced, not fatal."""
    (_, message) = parse(BANNER + b"Event: X\r\nName: a\xffb\r\n\r\n")
    assert message["Name"] == "a\ufffdb"


def test_message_size_cap():
    """A message larger than max_message_size raises AMIProtocolError."""
    parser = AMIParser(max_message_size=100)
    parser.receive_data(BANNER + b"Event: X\r\n" + b"A: " + b"x" * 200)
    with pytest.raises(AMIProtocolError):
        list(parser)


def test_size_cap_is_per_message_not_per_read():
    """Many small messages in one large read are fine under a small cap."""
    parser = AMIParser(max_message_size=100)
    parser.receive_data(BANNER + b"Event: X\r\nA: 1\r\n\r\n" * 1000)
    assert len(list(parser)) == 1001


def test_header_count_cap():
    """A message with more than max_headers lines raises AMIProtocolError."""
    parser = AMIParser(max_headers=10)
    parser.receive_data(BANNER + b"A: 1\n" * 20 + b"\n")
    with pytest.raises(AMIProtocolError):
        list(parser)


def test_blank_lines_between_messages_skipped():
    """Extra blank lines between messages produce no empty messages."""
    events = parse(BANNER + b"\r\n\r\nEvent: A\r\n\r\n\r\n\r\nEvent: B\r\n\r\n")
    assert [e.event for e in events[1:]] == ["A", "B"]


def test_lines_without_colon_ignored():
    """A line without a colon inside a message is ignored."""
    (_, message) = parse(BANNER + b"Event: A\r\ngarbage\r\nX: 1\r\n\r\n")
    assert message.headers == (("Event", "A"), ("X", "1"))


def test_old_command_follows_format():
    """Response: Follows raw output becomes Output headers, up to --END COMMAND--."""
    data = (
        BANNER + b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\n"
        b"Name/username: 1000\nline two\n--END COMMAND--\r\n\r\nEvent: After\r\n\r\n"
    )
    (_, message, after) = parse(data)
    assert message.response == "Follows"
    assert message.action_id == "7"
    assert message.get_all("Output") == ["Name/username: 1000", "line two"]
    assert after.event == "After"


def test_old_command_output_with_blank_line_and_glued_end():
    """Output holding a blank line, and --END COMMAND-- glued to the last line, parse."""
    data = BANNER + b"Response: Follows\r\nActionID: 8\r\nfirst\n\nsecond--END COMMAND--\r\n\r\n"
    (_, message) = parse(data)
    assert message.get_all("Output") == ["first", "", "second"]


def test_old_command_output_size_cap():
    """Follows output spread over blocks still obeys max_message_size."""
    parser = AMIParser(max_message_size=200)
    parser.receive_data(BANNER + b"Response: Follows\nActionID: 1\n" + b"line\n\n" * 100)
    with pytest.raises(AMIProtocolError):
        list(parser)


# Issue 22, point 4: ``Response: Follows`` without ``--END COMMAND--`` (AMI proxies).
EVENTS = b"".join(b"Event: Newchannel\r\nUniqueid: %d\r\nChannel: PJSIP/a-%d\r\n\r\n" % (n, n)
                  for n in range(3))  # fmt: skip
FOLLOWS_AS_HEADERS = (
    b"Response: Follows\r\nPrivilege: Command\r\nActionID: 7\r\nOutput: a: b\r\n\r\n" + EVENTS
)
FOLLOWS_RAW = (
    b"Response: Follows\r\nPrivilege: Command\r\nActionID: 8\r\n"
    b"No such command 'x'\nsecond line\n\nthird: block\n\r\n" + EVENTS
)
FOLLOWS_CASES = [FOLLOWS_AS_HEADERS, FOLLOWS_RAW]


def test_follows_of_header_lines_ends_at_its_blank_line():
    """A Follows block whose lines are all headers is a message like any other."""
    (_, message, *events) = parse(BANNER + FOLLOWS_AS_HEADERS)
    assert message.headers == (
        ("Response", "Follows"), ("Privilege", "Command"), ("ActionID", "7"), ("Output", "a: b")
    )  # fmt: skip
    assert [e["Uniqueid"] for e in events] == ["0", "1", "2"]


def test_follows_raw_output_without_end_is_ended_by_the_next_message():
    """Raw output that never gets --END COMMAND-- ends where a message starts: no loss."""
    (_, message, *events) = parse(BANNER + FOLLOWS_RAW)
    assert message.response == "Follows" and message.action_id == "8"
    assert message.get_all("Output") == ["No such command 'x'", "second line", "", "third: block"]
    assert [e["Uniqueid"] for e in events] == ["0", "1", "2"]


def test_follows_ended_by_a_response_then_a_follows():
    """The message that ends unfinished output may itself be a response, or a Follows."""
    data = (
        BANNER + b"Response: Follows\r\nActionID: 1\r\nraw\r\n\r\n"
        b"Response: Success\r\nActionID: 2\r\n\r\n"
        b"Response: Follows\r\nActionID: 3\r\nraw\r\n\r\n"
        b"Response: Follows\r\nActionID: 4\r\nOutput: x\r\n\r\n"
        b"Response: Follows\r\nActionID: 5\r\nraw\n--END COMMAND--\r\n\r\n"
    )
    messages = parse(data)[1:]
    assert [(m.action_id, m.get_all("Output")) for m in messages] == [
        ("1", ["raw"]), ("2", []), ("3", ["raw"]), ("4", ["x"]), ("5", ["raw"])
    ]  # fmt: skip


def test_old_output_starting_with_a_blank_line_still_waits_for_its_end():
    """Asterisk <= 13 output often starts with an empty line: headers alone do not end it."""
    data = (
        BANNER + b"Response: Follows\r\nPrivilege: Command\r\nActionID: 9\r\n"
        b"\nPBX Core settings\nVersion: 13.38.3\n--END COMMAND--\r\n\r\n"
    )
    (_, message) = parse(data)
    assert message.get_all("Output") == ["", "PBX Core settings", "Version: 13.38.3"]


def test_follows_never_ending_is_a_clear_protocol_error():
    """Raw output that neither ends nor meets a message is cut at max_message_size."""
    parser = AMIParser(max_message_size=1000)
    parser.receive_data(BANNER + b"Response: Follows\r\nActionID: 1\r\nraw\r\n\r\n")
    parser.receive_data(b"more output: not a message\nx\r\n\r\n" * 40)
    with pytest.raises(AMIProtocolError, match="Follows output over 1000 bytes without --END"):
        list(parser)


@pytest.mark.parametrize("data", FOLLOWS_CASES, ids=["as-headers", "raw"])
def test_follows_without_end_at_every_chunk_size(data):
    """Split at every byte, a Follows without its end mark gives the same messages."""
    expected = parse(BANNER + data)
    assert len(expected) == 5
    for size in range(1, 40):
        assert parse_in_chunks(BANNER + data, size) == expected


@settings(max_examples=200, deadline=None)
@given(
    first=st.text("ab :x(", max_size=6).map(lambda line: " " + line),  # raw, not a header
    blocks=st.lists(st.lists(st.text("abE :x(", min_size=1, max_size=6), min_size=1, max_size=3),
                    max_size=3),
    events=st.integers(min_value=1, max_value=4),
    size=st.integers(min_value=1, max_value=40),
)  # fmt: skip
def test_follows_without_end_never_loses_what_follows(first, blocks, events, size):
    """Whatever the unterminated raw output, every message after it comes out, and the
    output keeps its lines (its blocks split by one empty line)."""
    lines = [first] + [line for block in blocks for line in ["", *block]]
    output = "\n".join(lines).replace("\n\n", "\r\n\r\n").encode()
    data = BANNER + b"Response: Follows\r\nActionID: 1\r\n" + output + b"\r\n\r\n"
    data += b"".join(b"Event: E\r\nN: %d\r\n\r\n" % n for n in range(events))
    (_, follows, *got) = parse_in_chunks(data, size)
    assert [m["N"] for m in got] == [str(n) for n in range(events)]
    assert (follows.action_id, follows.get_all("Output")) == ("1", lines)


def test_next_event_none_until_complete():
    """next_event returns None while a message is incomplete."""
    parser = AMIParser()
    parser.receive_data(BANNER + b"Event: A\r\n")
    assert isinstance(parser.next_event(), Banner)
    assert parser.next_event() is None
    parser.receive_data(b"\r\n")
    assert parser.next_event().event == "A"


@pytest.mark.parametrize("path", RECORDINGS, ids=lambda p: p.name)
def test_recordings_replayed_at_every_chunk_size(path):
    """Recorded Asterisk 22 traffic parses to the same messages at every chunk size."""
    data = path.read_bytes()
    if not data.startswith(b"Asterisk Call Manager/"):
        data = BANNER + data
    expected = parse(data)
    assert len(expected) >= 2
    for size in range(1, 64):
        assert parse_in_chunks(data, size) == expected


def test_recording_login_content():
    """The recorded login gives the banner, the Success response and FullyBooted."""
    events = parse((DATA / "01_login.txt").read_bytes())
    assert events[0].version == "11.0.0"
    assert events[1].response == "Success"
    assert events[2].event == "FullyBooted"


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.binary(max_size=100) | st.sampled_from(b"".join(FOLLOWS_CASES).split(b"\n")),
        max_size=12,
    ).map(b"\n".join),
    cuts=st.lists(st.integers(min_value=1, max_value=50), max_size=30),
    with_banner=st.booleans(),
)
def test_fuzz_only_protocol_error_escapes(data, cuts, with_banner):
    """Arbitrary bytes (and Follows pieces) in arbitrary chunks: only AMIProtocolError
    escapes, caps hold."""
    stream = (BANNER if with_banner else b"") + data
    parser = AMIParser(max_message_size=128, max_headers=16)
    pos = 0
    try:
        for cut in [*cuts, len(stream)]:
            parser.receive_data(stream[pos : pos + cut])
            pos += cut
            for event in parser:
                if isinstance(event, Message):
                    assert len(event.headers) <= 16
            assert parser._buffer.pending <= 128  # what is held never exceeds the cap
    except AMIProtocolError:
        pass


@settings(max_examples=200, deadline=None)
@given(
    messages=st.lists(
        st.lists(
            st.tuples(
                st.text("abcXYZ-()", min_size=1, max_size=8),
                st.text(st.characters(blacklist_characters="\r\n", codec="utf-8"), max_size=20),
            ),
            min_size=1,
            max_size=5,
        ),
        max_size=5,
    ),
    size=st.integers(min_value=1, max_value=40),
)
def test_fuzz_round_trip_any_chunking(messages, size):
    """Well-formed messages come back identical whatever the chunking."""
    wire = BANNER + b"".join(
        b"".join(f"{k}: {v}\r\n".encode() for k, v in m) + b"\r\n" for m in messages
    )
    got = [e.headers for e in parse_in_chunks(wire, size) if isinstance(e, Message)]
    assert got == [tuple(m) for m in messages]
