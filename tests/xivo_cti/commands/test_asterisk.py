"""Tests of LocalAsterisk: the one place AMI failures become command errors."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred, ensureDeferred

from tests.xivo_cti.conftest import FakeAMI
from xivo_cti.ami import (
    AMIActionError,
    AMIActionRefused,
    AMIActionTimeout,
    AMIConnectionLost,
    AMINotConnected,
    Message,
)
from xivo_cti.commands import CommandError, LocalAsterisk


def error_of(d: Deferred) -> str:
    failures: list = []
    d.addErrback(failures.append)
    (failure,) = failures
    failure.trap(CommandError)
    return failure.value.error_string


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (AMINotConnected("x"), "ami_not_connected"),
        (AMIActionRefused("x"), "refused"),
        (AMIActionTimeout("x"), "ami_timeout"),
        (AMIConnectionLost("x"), "ami_timeout"),
        (AMIActionError(Message.of(Response="Error", Message="Nope")), "dbput_failed:Nope"),
    ],
)
def test_ami_failures_translated_once(failure: Exception, error: str) -> None:
    """Each AMI failure becomes its error_string, labelled by the action."""
    ami = FakeAMI()
    ami.failure = failure
    d = ensureDeferred(LocalAsterisk(ami).send("DBPut", {"Family": "f", "Key": "k", "Val": "1"}))
    assert error_of(d) == error


def test_nothing_sent_while_disconnected() -> None:
    """Without a connection nothing reaches the AMI client."""
    ami = FakeAMI()
    ami.connected = False
    asterisk = LocalAsterisk(ami)
    assert not asterisk.connected
    d = ensureDeferred(
        asterisk.originate("PJSIP/a", exten="1", context="c", callerid="", timeout_ms=1)
    )
    assert error_of(d) == "ami_not_connected"
    assert ami.actions == []


def test_originate_passes_the_call() -> None:
    """originate hands the channel, extension, context, caller id and ring time over."""
    ami = FakeAMI()
    results: list = []
    ensureDeferred(
        LocalAsterisk(ami).originate(
            "PJSIP/a", exten="2001", context="default", callerid='"A" <1>', timeout_ms=5000
        )
    ).addCallback(results.append)
    assert results and ami.actions == [
        ("Originate", {"Channel": "PJSIP/a", "exten": "2001", "context": "default",
                       "callerid": '"A" <1>', "timeout_ms": "5000"}),
    ]  # fmt: skip
