"""Tests for format_action: encoding and refusals before anything is sent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xivo_cti.ami._action import MAX_HEADERS, MAX_LINE, format_action
from xivo_cti.ami._errors import AMIActionRefused


def test_encodes_action_and_headers_in_order():
    """Mapping or pairs give Action first, headers in order, CRLF and a blank line."""
    assert format_action("Ping") == b"Action: Ping\r\n\r\n"
    wire = format_action("Originate", [("Variable", "A=1"), ("Variable", "B=2")])
    assert wire == b"Action: Originate\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"
    assert format_action("Status", {"Channel": "PJSIP/1"}).startswith(b"Action: Status\r\n")


@pytest.mark.parametrize(
    "headers",
    [
        {"Exten": "100\r\nAction: Command"},
        {"Exten": "100\nX: y"},
        {"Exten": "1\r"},
        {"Exten": "1\0"},
        {"Ex\nten": "1"},
        {"Ex:ten": "1"},
        {"": "1"},
        {"Ex ten": "1"},
    ],
)
def test_injection_refused(headers):
    """CR, LF or NUL anywhere, or a bad header name, is refused."""
    with pytest.raises(AMIActionRefused):
        format_action("Redirect", headers)


def test_action_name_checked_too():
    """The action name itself may not carry CR/LF."""
    with pytest.raises(AMIActionRefused):
        format_action("Ping\r\nAction: Command")


def test_line_length_limit():
    """A line of MAX_LINE bytes or more (CRLF included) is refused; one byte less is fine."""
    value = "x" * (MAX_LINE - len("Data: \r\n") - 1)
    assert len(format_action("A", {"Data": value}).split(b"\r\n")[1]) == MAX_LINE - 3
    with pytest.raises(AMIActionRefused):
        format_action("A", {"Data": value + "x"})


def test_header_count_limit():
    """More than MAX_HEADERS lines, Action included, is refused."""
    fine = [("Variable", f"V{i}=1") for i in range(MAX_HEADERS - 1)]
    format_action("Originate", fine)
    with pytest.raises(AMIActionRefused):
        format_action("Originate", [*fine, ("Variable", "X=1")])


def test_non_string_refused():
    """Values must be strings."""
    with pytest.raises(AMIActionRefused):
        format_action("A", {"Priority": 1})


def test_refusal_text_never_holds_the_value():
    """The error names the header, never its (possibly secret) value."""
    with pytest.raises(AMIActionRefused) as info:
        format_action("Login", {"Secret": "hunter2\r\n"})
    assert "hunter2" not in str(info.value) and "Secret" in str(info.value)


@given(st.text(max_size=40), st.text(max_size=40))
def test_output_never_has_extra_lines(key, value):
    """Whatever the input, an accepted action has exactly two header lines."""
    try:
        wire = format_action("A", [(key, value)])
    except AMIActionRefused:
        return
    assert wire.count(b"\n") == 3 and wire.count(b"\r") == 3
