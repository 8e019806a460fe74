"""Tests of the three-step login."""

from __future__ import annotations

from twisted.logger import formatEvent, globalLogPublisher

from testing.passes import next_pass
from tests.xivo_cti.conftest import PASSWORDS, Client, ManualRunner, Rig
from xivo_cti.cti._config import CTIConfig


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


def start_login(rig: Rig, peer: str, login: str, password: str) -> Client:
    """A client from ``peer`` that sent login_id and login_pass."""
    client = rig.connect(peer)
    client.send(**{"class": "login_id", "userlogin": login, "xivoversion": "2.3"})
    client.send(**{"class": "login_pass", "password": password})
    return client


def last_error(client: Client) -> str | None:
    errors = [m.get("error_string") for m in client.received() if m["class"] == "login_pass"]
    return errors[-1] if errors else None


def test_parallel_wrong_logins_from_one_address_run_few_checks() -> None:
    """50 parallel login_pass from one address run at most max_login_failures_per_address
    checks: each attempt is counted before it is queued, the rest are blocked at once."""
    runner = ManualRunner()
    rig = Rig(run_check=runner)
    clients = [start_login(rig, "10.6.6.6", "bob", f"guess{i}") for i in range(50)]
    allowed = rig.ctx.config.max_login_failures_per_address
    blocked = [c for c in clients if last_error(c) == "xivo_auth_error"]
    assert len(blocked) == 50 - allowed
    runner.finish_all()
    assert runner.calls == allowed


def test_check_of_a_client_that_left_is_not_run() -> None:
    """A login whose check is still queued when the client disconnects costs nothing."""
    runner = ManualRunner()
    rig = Rig(CTIConfig(password_checks=1), run_check=runner)
    start_login(rig, "10.0.0.1", "bob", "x")
    gone = start_login(rig, "10.0.0.2", "carol", "carol-pw")
    assert len(rig.ctx.logins.queue) == 1
    gone.proto.connectionLost(None)
    assert len(rig.ctx.logins.queue) == 0
    runner.finish_all()
    assert runner.calls == 1


def test_legit_login_succeeds_during_an_attack() -> None:
    """Attackers on five addresses fill the check queue; alice, from her own address and
    with her right password, still logs in once the checks ahead of her turn ran."""
    runner = ManualRunner()
    rig = Rig(CTIConfig(password_checks=1, password_check_queue=20), run_check=runner)
    for i in range(50):
        start_login(rig, f"10.6.6.{i % 5}", "bob", f"guess{i}")
    assert len(rig.ctx.logins.queue) == 20
    alice = start_login(rig, "10.1.1.1", "alice", "alice-pw")
    alice.received()
    for _ in range(7):  # the running check, one per attacking address, hers
        runner.finish_one()
        replies = alice.received()
        if replies:
            break
    assert replies and replies[0].get("capalist") == [1]
    alice.send(**{"class": "login_capas", "capaid": 1})
    assert "login_capas" in [m["class"] for m in alice.received()]


def test_login_timer_waits_for_a_queued_check() -> None:
    """Time spent in the server's check queue does not count against login_timeout."""
    runner = ManualRunner()
    rig = Rig(run_check=runner)
    client = start_login(rig, "10.0.0.1", "bob", "bob-pw")
    client.received()
    rig.clock.advance(rig.ctx.config.login_timeout * 3)
    assert not client.transport.disconnecting
    rig.clock.advance(rig.ctx.config.login_timeout - 0.5)
    runner.finish_all()
    assert client.received()[0]["capalist"] == [1]
    rig.clock.advance(rig.ctx.config.login_timeout - 0.1)
    assert not client.transport.disconnecting  # a whole login_timeout for its next step
    rig.clock.advance(0.2)
    assert client.transport.disconnecting


def test_no_password_or_verifier_in_logs() -> None:
    """Whatever happens to a login (success, cache hit, wrong, blocked, busy, an error in
    the check, a client that left), no log event carries the password or its verifier."""
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        runner = ManualRunner()
        rig = Rig(CTIConfig(password_checks=1, password_check_queue=1,
                            max_login_failures_per_address=2), run_check=runner)  # fmt: skip
        start_login(rig, "10.0.0.1", "alice", "alice-pw")
        start_login(rig, "10.0.0.2", "bob", "bob-wrong-secret")
        start_login(rig, "10.0.0.3", "bob", "bob-busy-secret")
        start_login(rig, "10.0.0.2", "bob", "bob-wrong-secret").proto.connectionLost(None)
        start_login(rig, "10.0.0.2", "bob", "bob-blocked-secret")
        runner.finish_all()
        start_login(rig, "10.0.0.4", "alice", "alice-pw")
        start_login(rig, "10.0.0.5", "carol", "carol-error-secret")
        runner.waiting.pop(0)[2].errback(RuntimeError("check broke"))
        rig.clock.advance(5)
    finally:
        globalLogPublisher.removeObserver(events.append)
    digests = [e.digest for e in rig.ctx.logins.cache._entries.values()]
    assert digests and events
    text = "\n".join(formatEvent(e) + repr(e) for e in events)
    assert "check broke" in text and "failed CTI login" in text
    passwords = ["alice-pw", "bob-wrong-secret", "bob-busy-secret", "bob-blocked-secret"]
    verifiers = [d.hex() for d in digests] + [repr(d) for d in digests]
    for secret in [*passwords, "carol-error-secret", *verifiers]:
        assert secret not in text


def test_login_storm_is_answered_pass_by_pass() -> None:
    """Ten accepted passwords in one reactor pass: writes_per_pass (3) answered in it,
    the rest three per later pass, so other sockets are served in between."""
    rig = Rig(CTIConfig(writes_per_pass=3))
    clients = [start_login(rig, f"10.0.0.{i}", "bob", "bob-pw") for i in range(10)]
    answered: list[int] = []
    for _ in range(4):
        answered.append(sum(b"capalist" in c.transport.value() for c in clients))
        next_pass(rig.clock)
    assert answered == [3, 6, 9, 10]
    replies = [m for c in clients for m in c.received() if m["class"] == "login_pass"]
    assert [m["capalist"] for m in replies] == [[1]] * 10


def test_login_ended_while_waiting_its_turn_is_not_completed() -> None:
    """login_capas of three users in one pass, one at a time: carol leaves before her
    turn and is never marked online, nor is a reply written to her."""
    rig = Rig(CTIConfig(writes_per_pass=1))
    clients = {}
    for login in ("alice", "bob", "carol"):
        clients[login] = start_login(rig, "10.0.0.1", login, PASSWORDS[login])
        rig.clock.advance(0)
        clients[login].received()
    for client in clients.values():
        client.send(**{"class": "login_capas", "capaid": 1})
    assert [rig.ctx.book.online(login) for login in clients] == [True, False, False]
    clients["carol"].proto.connectionLost(None)
    rig.clock.advance(0)
    assert [rig.ctx.book.online(login) for login in clients] == [True, True, False]
    assert clients["carol"].received() == []


def test_a_user_logs_in_on_its_own_ipbx() -> None:
    """login_capas gives the ipbxid of the user's line: b for dave, the default for carol."""
    rig = Rig(ipbx_b=True)
    assert rig.connect().login("dave", rig.clock)["ipbxid"] == "b"
    assert rig.connect().login("carol", rig.clock)["ipbxid"] == "xivo"
