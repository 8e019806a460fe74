"""Tests of FastAGI reply parsing."""

import pytest

from xivo_agid.fastagi._reply import Reply, parse_reply


@pytest.mark.parametrize(
    ("line", "result", "data", "extra"),
    [
        ("200 result=1", 1, None, {}),
        ("200 result=0", 0, None, {}),
        ("200 result=-1", -1, None, {}),
        ("200 result=1 (Alice Martin)", 1, "Alice Martin", {}),
        ("200 result=1 ()", 1, "", {}),
        ("200 result=1 (a (b) c)", 1, "a (b) c", {}),
        ("200 result=0 (timeout) endpos=1234", 0, "timeout", {"endpos": "1234"}),
        ("200 result=48 endpos=99 x=", 48, None, {"endpos": "99", "x": ""}),
        ("200 result=1 (a) x=y)", 1, "a) x=y", {}),
    ],
)
def test_200_forms(line, result, data, extra):
    """A 200 reply yields result, the text in parentheses and key=value pairs."""
    reply = parse_reply(200, [line])
    assert reply.ok
    assert (reply.code, reply.result, reply.data, dict(reply.extra)) == (200, result, data, extra)
    assert reply.text == line


def test_100_trying():
    """The GOSUB interim line parses its result and keeps the text."""
    reply = parse_reply(100, ["100 result=0 Trying..."])
    assert reply.code == 100 and reply.result == 0 and reply.data is None
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
