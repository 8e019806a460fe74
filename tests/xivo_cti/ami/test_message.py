"""Tests for Message, including the parser's fast constructor."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_cti.ami._message import Message, split_headers


def test_from_parser_equals_constructor():
    """from_parser builds the same message as the constructor."""
    headers = (("Event", "X"), ("Output", "a"), ("Output", "b"))
    fast = Message.from_parser(headers)
    assert fast == Message(headers)
    assert fast.get_all("Output") == ["a", "b"]
    assert fast["Output"] == "a"


def test_first_value_wins():
    """get() and [] return the first value of a repeated key."""
    message = Message((("A", "1"), ("A", "2")))
    assert message.get("A") == "1"
    assert message.get("B", "d") == "d"
    assert "A" in message and "B" not in message


def test_properties():
    """event, response and action_id read their headers."""
    message = Message.of(Event="Hangup", ActionID="7")
    assert (message.event, message.response, message.action_id) == ("Hangup", None, "7")
    assert Message.of(Response="Success").response == "Success"


def test_frozen():
    """Messages cannot be changed."""
    message = Message.of(A="1")
    with pytest.raises(AttributeError):
        message.headers = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        message.extra = 1  # type: ignore[attr-defined]
    assert message.headers == (("A", "1"),)


def test_from_text_is_lazy_and_equal():
    """A message built from text splits it on first read and equals the constructed one."""
    message = Message.from_text("Event: Hangup\nActionID: 9\nCause: 16\nCause: 17")
    assert (message.event, message.action_id, message.response) == ("Hangup", "9", None)
    expected = (("Event", "Hangup"), ("ActionID", "9"), ("Cause", "16"), ("Cause", "17"))
    assert message == Message(expected)
    assert message["Cause"] == "16" and message.get_all("Cause") == ["16", "17"]
    assert hash(message) == hash(Message(expected))


def test_split_headers_rules():
    """First colon splits, one space dropped, value kept as sent, colon-less lines skipped."""
    text = "A: b: c\nEmpty: \nNoSpace:x\nTwo:  y \ngarbage\n(P/1): z"
    assert split_headers(text) == (
        ("A", "b: c"),
        ("Empty", ""),
        ("NoSpace", "x"),
        ("Two", " y "),
        ("(P/1)", "z"),
    )


@given(st.lists(st.text(st.sampled_from("EventActionIDRespons: x\n"), max_size=30), max_size=6))
def test_scan_agrees_with_split(lines):
    """event/action_id/response and peek found by scanning equal the first values after
    splitting, before and after the split."""
    text = "\n".join(lines)
    lazy = Message.from_text(text)
    first = dict(reversed(split_headers(text)))
    expected = tuple(first.get(key) for key in ("Event", "ActionID", "Response", "Action"))
    assert (lazy.event, lazy.action_id, lazy.response, lazy.peek("Action")) == expected
    assert lazy.get("Event") == expected[0]  # split now
    assert (lazy.event, lazy.action_id, lazy.response, lazy.peek("Action")) == expected


def test_size_is_the_text_or_the_header_lines():
    """size counts a parsed message's text, or a built one's lines as they would be sent."""
    text = "Event: A\nX: 12"
    assert Message.from_text(text).size == len(text)
    assert Message.of(Event="A", X="12").size == len("Event: A\r\nX: 12\r\n")
