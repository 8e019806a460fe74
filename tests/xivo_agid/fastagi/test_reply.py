"""Tests of FastAGI reply parsing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_agid.fastagi._reply import Reply, parse_reply


@pytest.mark.parametrize(
    ("line", "result", "data", "extra"),
    [
        ("200 result=1", "1", None, {}),
        ("200 result=0", "0", None, {}),
        ("200 result=-1", "-1", None, {}),
        ("200 result=1 (Alice Martin)", "1", "Alice Martin", {}),
        ("200 result=1 ()", "1", "", {}),
        ("200 result=1 (a (b) c)", "1", "a (b) c", {}),
        ("200 result=0 (timeout) endpos=1234", "0", "timeout", {"endpos": "1234"}),
        ("200 result=48 endpos=99 x=", "48", None, {"endpos": "99", "x": ""}),
        ("200 result=1 (a) x=y)", "1", "a) x=y", {}),
        # GET DATA (issue 22): no digit before the timeout, none at all, digits kept as sent
        ("200 result= (timeout)", "", "timeout", {}),
        ("200 result=", "", None, {}),
        ("200 result=0612 (timeout)", "0612", "timeout", {}),
        ("200 result=12*3", "12*3", None, {}),
        # SPEECH RECOGNIZE (issue 22): quoted attributes, \-escapes inside them
        (
            "200 result=1 (speech) endpos=0 results=1 score0=969"
            ' text0="hello world" grammar0=digits',
            "1",
            "speech",
            {"endpos": "0", "results": "1", "score0": "969", "text0": "hello world",
             "grammar0": "digits"},
        ),
        ('200 result=1 (speech) text0="hello"', "1", "speech", {"text0": "hello"}),
        (r'200 result=1 (speech) text0="say \"hi\" \\o/" x=1', "1", "speech",
         {"text0": 'say "hi" \\o/', "x": "1"}),
        ('200 result=1 (speech) text0="a) b=c" grammar0=g', "1", "speech",
         {"text0": "a) b=c", "grammar0": "g"}),
        ('200 result=1 (speech) text0="" x=', "1", "speech", {"text0": "", "x": ""}),
    ],
)  # fmt: skip
def test_200_forms(line, result, data, extra):
    """A 200 reply yields result, the text in parentheses and key=value pairs."""
    reply = parse_reply(200, [line])
    assert reply.ok
    assert (reply.code, reply.result, reply.data, dict(reply.extra)) == (200, result, data, extra)
    assert reply.text == line


@pytest.mark.parametrize(
    "line",
    [
        '200 result=1 (speech) text0="unterminated',
        '200 result=1 (speech) text0="a"b',
        '200 result=1 (speech) x=a"b',
        '200 result=1 (speech) "k"=v',
    ],
)
def test_malformed_attributes_are_left_in_text(line):
    """Attributes that do not parse as a whole are not guessed: ``extra`` stays empty."""
    reply = parse_reply(200, [line])
    assert (reply.result, reply.data, dict(reply.extra)) == ("1", "speech", {})
    assert reply.text == line


@pytest.mark.parametrize(
    ("line", "number"),
    [("200 result=1", 1), ("200 result=-1", -1), ("200 result=0612", 612),
     ("200 result=", None), ("200 result=12#", None), ("200 result=\u0661", None),
     ("200 result=1_0", None), ("200 nothing", None)],
)  # fmt: skip
def test_number_is_the_result_when_it_is_an_integer(line, number):
    """``number`` reads an ASCII integer result, None for anything else."""
    assert parse_reply(200, [line]).number == number


def test_empty_result_differs_from_an_unparsable_reply():
    """``200 result=`` has a result (empty); a 200 line without result= has none."""
    empty, garbage = parse_reply(200, ["200 result="]), parse_reply(200, ["200 garbage"])
    assert empty.result == "" and garbage.result is None
    assert empty != garbage


_TEXT = st.text(st.sampled_from('ab =()"\\\t\u00e9'), max_size=8)
_KEY = st.text(st.sampled_from("ab0_\u00e9"), min_size=1, max_size=4)


def _quoted(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@given(
    st.text(st.sampled_from("0123456789-*#"), max_size=4),
    st.sampled_from(["timeout", "speech", "dtmf"]) | st.none(),
    st.dictionaries(_KEY, _TEXT, max_size=4),
)
def test_attributes_round_trip(result, data, extra):
    """Any attribute values, quoted and escaped, come back as they were written."""
    pairs = "".join(f" {key}={_quoted(value)}" for key, value in extra.items())
    line = f"200 result={result}" + (f" ({data})" if data is not None else "") + pairs
    reply = parse_reply(200, [line])
    assert (reply.result, reply.data, dict(reply.extra)) == (result, data, extra)


def test_100_trying():
    """The GOSUB interim line parses its result and keeps the text."""
    reply = parse_reply(100, ["100 result=0 Trying..."])
    assert reply.code == 100 and reply.result == "0" and reply.data is None
    assert not reply.ok


@pytest.mark.parametrize(
    "line",
    [
        "510 Invalid or unknown command",
        "511 Command Not Permitted on a dead channel or intercept routine",
        "520 Invalid command syntax.  Proper usage not available.",
    ],
)
def test_error_replies(line):
    """5xx replies are not ok and carry their text, no result."""
    reply = parse_reply(int(line[:3]), [line])
    assert not reply.ok and reply.result is None and reply.text == line


def test_multi_line_520_text_joined():
    """A multi-line reply keeps all its lines in text."""
    lines = ["520-Invalid command syntax.  Proper usage follows:", "Usage: X", "520 End."]
    reply = parse_reply(520, lines)
    assert reply.code == 520 and reply.text == "\n".join(lines)


def test_200_without_result():
    """A 200 line with no result= has result None and no crash."""
    reply = parse_reply(200, ["200 something odd"])
    assert reply.ok and reply.result is None


def test_reply_defaults():
    """A Reply built with a code only has empty defaults."""
    reply = Reply(code=200)
    assert reply.result is None and reply.data is None and dict(reply.extra) == {}


@given(st.text(st.characters(blacklist_characters="\n"), max_size=12))
def test_any_variable_value_is_the_data(value):
    """``GET VARIABLE``'s value, whatever it holds (parentheses, quotes, ``k=v``), is the data."""
    reply = parse_reply(200, [f"200 result=1 ({value})"])
    assert (reply.result, reply.data, dict(reply.extra)) == ("1", value, {})
