"""Tests for the AMI exception tree."""

from __future__ import annotations

from xivo_cti.ami._errors import AMIActionError, AMIActionRefused, AMIError, AMIProtocolError
from xivo_cti.ami._message import Message


def test_action_error_text_and_message():
    """AMIActionError keeps the message and shows its Message header and ActionID."""
    error = AMIActionError(Message.of(Response="Error", ActionID="a.1", Message="No such channel"))
    assert str(error) == "No such channel (ActionID a.1)"
    assert error.message.response == "Error"


def test_hierarchy():
    """Every AMI error is an AMIError; a refused action is also a ValueError."""
    assert issubclass(AMIProtocolError, AMIError)
    assert issubclass(AMIActionRefused, ValueError)
