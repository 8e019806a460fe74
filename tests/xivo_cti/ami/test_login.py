"""Tests for the AMI login exchange, driven through AMIProtocol.login."""

from __future__ import annotations

import hashlib

from tests.xivo_cti.ami.conftest import result_of
from xivo_cti.ami._errors import AMIActionTimeout, AMIAuthenticationError


def test_login_plain(peer):
    """login() sends Username, Secret and Events and fires on Success."""
    d = peer.protocol.login("xivo", "s3cret", events="call,system")
    action = peer.sent()[0]
    assert action["Action"] == ["Login"]
    assert action["Secret"] == ["s3cret"]
    assert action["Events"] == ["call,system"]
    peer.send("Response: Success", f"ActionID: {action['ActionID'][0]}")
    assert result_of(d).response == "Success"


def test_login_refused_hides_secret(peer):
    """A refused login errbacks AMIAuthenticationError naming the user, not the secret."""
    d = peer.protocol.login("xivo", "s3cret")
    aid = peer.last_id()
    peer.send("Response: Error", f"ActionID: {aid}", "Message: Authentication failed")
    failure = result_of(d)
    assert failure.check(AMIAuthenticationError)
    assert "xivo" in str(failure.value) and "s3cret" not in str(failure.value)
    assert "Authentication failed" in str(failure.value)


def test_login_md5(peer):
    """MD5 login answers the challenge with md5(challenge + secret)."""
    d = peer.protocol.login("xivo", "s3cret", md5=True)
    challenge = peer.sent()[0]
    assert challenge["AuthType"] == ["MD5"]
    peer.send("Response: Success", f"ActionID: {challenge['ActionID'][0]}", "Challenge: 12345")
    login = peer.sent()[0]
    assert login["Key"] == [hashlib.md5(b"12345s3cret").hexdigest()]
    assert "Secret" not in login
    peer.send("Response: Success", f"ActionID: {login['ActionID'][0]}")
    assert result_of(d).response == "Success"


def test_refused_md5_challenge_is_an_authentication_error(peer):
    """An Error answer to Challenge errbacks AMIAuthenticationError and sends no Login."""
    d = peer.protocol.login("xivo", "s3cret", md5=True)
    peer.send("Response: Error", f"ActionID: {peer.last_id()}", "Message: Must specify AuthType")
    failure = result_of(d)
    assert failure.check(AMIAuthenticationError)
    assert "Must specify AuthType" in str(failure.value)
    assert peer.sent() == []


def test_unanswered_login_fails_with_timeout(peer):
    """A Login left unanswered errbacks AMIActionTimeout, not an authentication error."""
    d = peer.protocol.login("xivo", "s3cret")
    peer.clock.advance(5.1)
    failure = result_of(d)
    assert failure.check(AMIActionTimeout)
    assert not failure.check(AMIAuthenticationError)
