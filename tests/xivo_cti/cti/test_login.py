"""Tests of the three-step login."""

from __future__ import annotations

from tests.xivo_cti.cti.conftest import Rig


def test_full_login_gives_capas(rig: Rig) -> None:
    """login_id, login_pass, login_capas in order log the user in with its profile."""
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "2.3", "commandid": 1})
    (reply,) = client.received()
    assert reply["class"] == "login_id" and reply["replyid"] == 1 and reply["sessionid"]
    client.send(**{"class": "login_pass", "password": "bob-pw", "commandid": 2})
    assert client.received()[0]["capalist"] == [1]
    client.send(**{"class": "login_capas", "capaid": 1, "state": "away", "commandid": 3})
    capas, push = client.received()
    assert push["listname"] == "users" and push["status"]["availstate"] == "away"
    assert capas["userid"] == "2" and capas["presence"] == "away"
    assert "queuepause" in capas["capas"]["ipbxcommands"]
    assert rig.ctx.book.status("bob")["availstate"] == "away"


def test_version_mismatch_is_refused(rig: Rig) -> None:
    """A client of another protocol version gets <key>_client:<client>;<server>, in the
    key it used (each client generation parses only its own)."""
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "1.2"})
    assert client.received()[0]["error_string"] == "xivoversion_client:1.2;2.3"
    client.send(**{"class": "login_id", "userlogin": "bob", "wazoversion": "2.4"})
    assert client.received()[0]["error_string"] == "wazoversion_client:2.4;2.3"
    client.send(**{"class": "login_id", "userlogin": "bob"})
    assert client.received()[0]["error_string"] == "wazoversion_client:None;2.3"
    client.send(**{"class": "login_id", "userlogin": "bob", "wazoversion": ["2.3"]})
    assert client.received()[0]["error_string"] == "wazoversion_client:['2.3'];2.3"


def test_version_answered_in_the_clients_key(rig: Rig) -> None:
    """Wazo Client 18.01 sends wazoversion 2.3, older clients xivoversion 2.2: each gets
    its session id with its own key and version back."""
    for key, version in (("wazoversion", "2.3"), ("xivoversion", "2.2")):
        client = rig.connect()
        client.send(**{"class": "login_id", "userlogin": "bob", key: version, "commandid": 7})
        (reply,) = client.received()
        assert reply["sessionid"] and reply[key] == version and reply["replyid"] == 7
        other = "xivoversion" if key == "wazoversion" else "wazoversion"
        assert other not in reply


def test_capaid_as_string_or_integer(rig: Rig) -> None:
    """capaid 1 and "1" (what Wazo Client 18.01 sends) log in; anything else, including
    true, gets capaid_undefined ("You have no profile defined.") and may be retried."""
    for capaid in (1, "1"):
        client = rig.connect()
        client.send(**{"class": "login_id", "userlogin": "bob", "wazoversion": "2.3"})
        client.send(**{"class": "login_pass", "password": "bob-pw"})
        client.received()
        for wrong in (True, "01", 2, None, [1]):
            client.send(**{"class": "login_capas", "capaid": wrong, "state": "available"})
            assert client.received()[0]["error_string"] == "capaid_undefined", wrong
        client.send(**{"class": "login_capas", "capaid": capaid, "state": "available"})
        assert client.received()[0]["class"] == "login_capas"
        assert client.proto.session.user is not None


def test_unknown_or_odd_state_logs_in_available(rig: Rig) -> None:
    """A login state that is not a settable presence (or not a string) becomes available."""
    for state in ("disconnected", "nosuch", ["away"], {"a": 1}):
        client = rig.connect()
        client.send(**{"class": "login_id", "userlogin": "bob", "wazoversion": "2.3"})
        client.send(**{"class": "login_pass", "password": "bob-pw"})
        client.received()
        client.send(**{"class": "login_capas", "capaid": "1", "state": state})
        assert client.received()[0]["presence"] == "available"
        client.proto.connectionLost(None)


def test_wrong_password_is_answered_after_the_delay(rig: Rig) -> None:
    """A wrong password gets login_password only after failed_login_delay."""
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "2.3"})
    client.received()
    client.send(**{"class": "login_pass", "password": "nope"})
    assert client.received() == []
    rig.clock.advance(1.0)
    assert client.received()[0]["error_string"] == "login_password"
    client.send(**{"class": "login_pass", "password": "bob-pw"})
    assert client.received()[0]["class"] == "login_pass"


def test_unknown_user_looks_like_wrong_password(rig: Rig) -> None:
    """An unknown login is answered like a wrong password (no user enumeration)."""
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "mallory", "xivoversion": "2.3"})
    assert "sessionid" in client.received()[0]
    client.send(**{"class": "login_pass", "password": "x"})
    rig.clock.advance(1.0)
    assert client.received()[0]["error_string"] == "login_password"


def test_hashedpassword_is_refused(rig: Rig) -> None:
    """The old sha1 hashedpassword login is refused with a clear error."""
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "2.3"})
    client.received()
    client.send(**{"class": "login_pass", "hashedpassword": "abc"})
    assert client.received()[0]["error_string"].startswith("hashedpassword_unsupported")


def test_steps_out_of_order_are_refused(rig: Rig) -> None:
    """login_capas before login_pass is a login_sequence error."""
    client = rig.connect()
    client.send(**{"class": "login_capas", "capaid": 1})
    assert client.received()[0]["error_string"] == "login_sequence"


def test_address_blocked_after_many_failures(rig: Rig) -> None:
    """After max_login_failures_per_address failures the address is blocked for a while."""
    for _ in range(rig.ctx.config.max_login_failures_per_address):
        rig.ctx.limits.login_failed("10.0.0.1")
    client = rig.connect()
    client.send(**{"class": "login_id", "userlogin": "bob", "xivoversion": "2.3"})
    client.received()
    client.send(**{"class": "login_pass", "password": "bob-pw"})
    # the id the desktop client shows as "The authentication server could not fulfill..."
    assert client.received()[0]["error_string"] == "xivo_auth_error"
