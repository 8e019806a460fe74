"""Tests of request dispatch in a client session."""

from __future__ import annotations

from tests.xivo_cti.conftest import Rig


def test_nothing_but_login_before_login(rig: Rig) -> None:
    """A command before login gets login_required and reaches no AMI."""
    client = rig.connect()
    client.send(
        **{"class": "ipbxcommand", "command": "dial", "destination": "1234", "commandid": 4}
    )
    (reply,) = client.received()
    assert reply == {**reply, "error_string": "login_required", "replyid": 4}
    assert rig.ami.actions == []


def test_unknown_class_gets_an_error(rig: Rig) -> None:
    """An unknown class after login is an unknown_class error, the session stays up."""
    client = rig.logged_in("alice")
    client.send(**{"class": "frobnicate", "commandid": 9})
    assert client.received()[0]["error_string"] == "unknown_class"
    client.send(**{"class": "keepalive", "commandid": 10})
    assert client.received()[0]["class"] == "keepalive"


def test_keepalive_and_logout(rig: Rig) -> None:
    """keepalive is answered with its replyid; logout closes the connection."""
    client = rig.logged_in("alice")
    client.send(**{"class": "keepalive", "commandid": 10})
    assert client.received()[0]["replyid"] == 10
    client.send(**{"class": "logout"})
    assert client.transport.disconnecting


def test_disconnect_marks_user_offline(rig: Rig) -> None:
    """When the last session of a user ends, its presence becomes disconnected."""
    client = rig.logged_in("bob")
    assert rig.ctx.book.status("bob")["connection"] == "yes"
    client.proto.connectionLost(None)
    assert rig.ctx.book.status("bob")["availstate"] == "disconnected"
    assert rig.ctx.broadcaster.count("users") == 0


def test_removed_user_is_disconnected_on_next_command(rig: Rig) -> None:
    """After a reload without the user, its next command closes its session."""
    client = rig.logged_in("bob")
    rig.users.replace(tuple(u for u in rig.users.all() if u.login != "bob"))
    client.send(**{"class": "keepalive"})
    assert client.received()[0]["error_string"] == "user_removed"
    assert client.transport.disconnecting
