"""Tests of the FastAGI exception tree."""

from xivo_agid.fastagi._errors import AGICommandError, AGIError, InvalidCommand
from xivo_agid.fastagi._reply import Reply


def test_invalid_command_is_a_value_error():
    """InvalidCommand can be caught as ValueError and as AGIError."""
    assert issubclass(InvalidCommand, ValueError) and issubclass(InvalidCommand, AGIError)


def test_command_error_carries_reply():
    """AGICommandError keeps the command and the reply and shows both."""
    reply = Reply(code=510, text="510 Invalid or unknown command")
    error = AGICommandError("FOO", reply)
    assert error.reply is reply and error.command == "FOO"
    assert str(error) == "FOO: 510 Invalid or unknown command"
