"""Features read back from the AstDB (DBGetTree) after each AMI login."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twisted.logger import formatEvent, globalLogPublisher

from tests.xivo_cti.ami.test_client import Rig as AMIRig
from tests.xivo_cti.conftest import Client, Rig
from xivo_cti.users import (
    FEATURE_DEFAULTS,
    READ_RETRY_FIRST,
    READ_RETRY_MAX,
    FeaturesFollower,
)


class Setup:
    """A CTI rig (alice logged in, watching pushes) and an AMI client played as Asterisk."""

    def __init__(self, **ami_config: float) -> None:
        self.cti = Rig()
        self.ami = AMIRig(**ami_config)
        self.features = FeaturesFollower(
            self.ami.service, self.cti.users, self.cti.ctx.book, self.ami.reactor,
            self.cti.feed.status_changed,
        )  # fmt: skip
        self.ami.service.startService()
        self.watcher: Client = self.cti.logged_in("alice")
        self.watcher.received()

    def user_pushes(self, login: str) -> list[dict]:
        """The users updatestatus statuses about ``login`` pushed to the watcher."""
        tid = self.cti.users.get(login).id
        return [
            m["status"]
            for m in self.watcher.received()
            if m.get("listname") == "users" and m.get("function") == "updatestatus"
            and m.get("tid") == tid
        ]  # fmt: skip

    def status(self, login: str) -> dict:
        return self.cti.ctx.book.status(login)


def tree_request(ami: AMIRig) -> str:
    """Check the last action sent is ``DBGetTree`` of xivo-features; its ActionID."""
    action = ami.last_action()
    assert (action["Action"], action["Family"]) == ("DBGetTree", "xivo-features")
    return action["ActionID"]


def answer_tree(ami: AMIRig, entries: list[dict[str, str]]) -> None:
    """Answer the DBGetTree just sent with one DBGetTreeResponse per entry."""
    action_id = tree_request(ami)
    messages = ["Response: Success\r\nEventList: start\r\nMessage: Result will follow"]
    for headers in entries:
        lines = "\r\n".join(f"{k}: {v}" for k, v in headers.items())
        messages.append(f"Event: DBGetTreeResponse\r\n{lines}")
    messages.append(f"Event: DBGetTreeComplete\r\nEventList: Complete\r\nListItems: {len(entries)}")
    ami.receive("".join(f"{m}\r\nActionID: {action_id}\r\n\r\n" for m in messages).encode())


def entry(path: str, value: str) -> dict[str, str]:
    """A DBGetTreeResponse as Asterisk 22 sends it: the full path in Key."""
    return {"Key": path, "Val": value}


@pytest.fixture
def setup() -> Setup:
    return Setup()


@pytest.fixture
def logs() -> Iterator[list[dict]]:
    events: list = []
    globalLogPublisher.addObserver(events.append)
    yield events
    globalLogPublisher.removeObserver(events.append)


def texts(events: list[dict]) -> list[str]:
    return [formatEvent(e) for e in events]


def test_tree_read_at_login_fills_book_and_pushes(setup: Setup) -> None:
    """The AstDB's features of bob's extension reach the book and a users push."""
    setup.ami.login()
    answer_tree(
        setup.ami,
        [
            entry("/xivo-features/2002/destunc", "2001"),
            entry("/xivo-features/2002/enablednd", "1"),
            entry("/xivo-features/2002/enableunc", "1"),
        ],
    )
    expected = {"enablednd": True, "enableunc": True, "destunc": "2001", "enablerna": False}
    assert setup.status("bob").items() >= expected.items()
    pushed = setup.user_pushes("bob")
    assert pushed and pushed[-1].items() >= expected.items()
    assert setup.status("carol") == {**setup.status("carol"), **FEATURE_DEFAULTS}


def test_reconnect_reads_again(setup: Setup) -> None:
    """After a lost connection the next login reads the tree again and applies it."""
    setup.ami.login()
    answer_tree(setup.ami, [entry("/xivo-features/2002/enablednd", "1")])
    assert setup.status("bob")["enablednd"] is True
    setup.user_pushes("bob")
    setup.ami.drop()
    setup.ami.reactor.advance(11)
    setup.ami.login()
    answer_tree(setup.ami, [entry("/xivo-features/2002/enablerna", "1")])
    assert (setup.status("bob")["enablednd"], setup.status("bob")["enablerna"]) == (False, True)
    assert setup.user_pushes("bob")[-1]["enablednd"] is False


def test_error_answer_keeps_book(setup: Setup, logs: list[dict]) -> None:
    """Response: Error (e.g. no AstDB permission) leaves the features as they were."""
    setup.cti.feed.status_changed(setup.cti.ctx.book.set_features("bob", {"enablednd": True}))
    setup.ami.login()
    action_id = tree_request(setup.ami)
    setup.ami.receive(
        f"Response: Error\r\nActionID: {action_id}\r\nMessage: Permission denied\r\n\r\n"
        .encode()
    )  # fmt: skip
    assert setup.status("bob")["enablednd"] is True
    assert not [e for e in logs if e.get("log_failure") is not None]
    assert any("features not read back" in t for t in texts(logs))


def refuse_tree(ami: AMIRig) -> None:
    """Answer the DBGetTree just sent with an error."""
    action_id = tree_request(ami)
    ami.receive(f"Response: Error\r\nActionID: {action_id}\r\nMessage: nope\r\n\r\n".encode())


def tree_requested(ami: AMIRig) -> bool:
    return b"DBGetTree" in ami.transport.value()


@pytest.fixture
def quiet() -> Setup:
    """A setup whose AMI connection sends no Ping while the clock is advanced."""
    return Setup(ping_interval=100_000.0, action_timeout=5.0)


def test_failed_read_is_tried_again_later_backing_off(quiet: Setup, logs: list[dict]) -> None:
    """An error answer is retried after 30 s, then 60 s...; a read that works applies."""
    quiet.ami.login()
    refuse_tree(quiet.ami)
    quiet.ami.reactor.advance(READ_RETRY_FIRST - 1)
    assert not tree_requested(quiet.ami)
    quiet.ami.reactor.advance(1)
    refuse_tree(quiet.ami)
    quiet.ami.reactor.advance(2 * READ_RETRY_FIRST - 1)
    assert not tree_requested(quiet.ami)
    quiet.ami.reactor.advance(1)
    answer_tree(quiet.ami, [entry("/xivo-features/2002/enablednd", "1")])
    assert quiet.status("bob")["enablednd"] is True
    assert any("next read in 60s" in t for t in texts(logs))
    quiet.ami.reactor.advance(READ_RETRY_MAX * 2)
    assert not tree_requested(quiet.ami)  # read: nothing more to retry


def test_unanswered_read_times_out_and_is_tried_again(quiet: Setup) -> None:
    """No answer within the action timeout counts as a failed read."""
    quiet.ami.login()
    tree_request(quiet.ami)
    quiet.ami.reactor.advance(5.0)
    quiet.ami.reactor.advance(READ_RETRY_FIRST)
    answer_tree(quiet.ami, [entry("/xivo-features/2002/enableunc", "1")])
    assert quiet.status("bob")["enableunc"] is True


def test_retry_delay_is_capped(quiet: Setup) -> None:
    """The delay doubles up to READ_RETRY_MAX and stays there."""
    quiet.ami.login()
    delay = READ_RETRY_FIRST
    while delay < READ_RETRY_MAX * 2:
        refuse_tree(quiet.ami)
        quiet.ami.reactor.advance(min(delay, READ_RETRY_MAX))
        assert tree_requested(quiet.ami)
        delay *= 2
    refuse_tree(quiet.ami)
    quiet.ami.reactor.advance(READ_RETRY_MAX - 1)
    assert not tree_requested(quiet.ami)


def test_lost_connection_cancels_the_retry_and_login_reads(quiet: Setup) -> None:
    """No retry while disconnected; the next login reads at once, with the short delay again."""
    quiet.ami.login()
    refuse_tree(quiet.ami)
    quiet.ami.drop()
    quiet.ami.reactor.advance(READ_RETRY_FIRST)
    assert quiet.ami.service.connected is False
    quiet.ami.login()
    refuse_tree(quiet.ami)
    quiet.ami.reactor.advance(READ_RETRY_FIRST)
    answer_tree(quiet.ami, [entry("/xivo-features/2002/enablednd", "1")])
    assert quiet.status("bob")["enablednd"] is True


def test_empty_tree_means_nothing_stored(setup: Setup) -> None:
    """An empty list (empty family, as Asterisk 22 answers) puts features back to defaults."""
    setup.cti.feed.status_changed(setup.cti.ctx.book.set_features("bob", {"enablednd": True}))
    setup.ami.login()
    answer_tree(setup.ami, [])
    assert setup.status("bob")["enablednd"] is False


def test_lost_connection_keeps_book(setup: Setup, logs: list[dict]) -> None:
    """A connection lost before the tree arrives leaves the features as they were."""
    setup.cti.feed.status_changed(setup.cti.ctx.book.set_features("bob", {"enablednd": True}))
    setup.ami.login()
    tree_request(setup.ami)
    setup.ami.drop()
    assert setup.status("bob")["enablednd"] is True
    assert any("features not read back" in t for t in texts(logs))


def test_hostile_values_ignored_and_not_logged(setup: Setup, logs: list[dict]) -> None:
    """enable* other than 1/0 and dest* that are not short dial strings are skipped, logged
    by family and key only."""
    setup.ami.login()
    answer_tree(
        setup.ami,
        [
            entry("/xivo-features/2002/enablednd", "yes"),
            entry("/xivo-features/2002/enableunc", "1 "),
            entry("/xivo-features/2002/destunc", "12&Local/666@evil"),
            entry("/xivo-features/2002/destrna", "1" * 41),
            entry("/xivo-features/2002/enablerna", "\x1b[31m1"),
            entry("/xivo-features/2002/enablebusy", "1"),
            entry("/xivo-features/2002/destbusy", "*21#"),
        ],
    )
    status = setup.status("bob")
    assert (status["enablednd"], status["enableunc"], status["enablerna"]) == (False,) * 3
    assert (status["destunc"], status["destrna"]) == ("", "")
    assert (status["enablebusy"], status["destbusy"]) == (True, "*21#")
    warnings = [t for t in texts(logs) if "invalid value ignored" in t]
    assert len(warnings) == 5
    assert any("xivo-features/2002/destunc" in t for t in warnings)
    assert not any("evil" in t or "yes" in t or "\x1b" in t for t in texts(logs))


def test_extension_nobody_has_ignored(setup: Setup) -> None:
    """Entries of an extension no user has change no one and push nothing."""
    setup.ami.login()
    answer_tree(setup.ami, [entry("/xivo-features/9999/enablednd", "1")])
    for login in ("alice", "bob", "carol"):
        assert setup.status(login)["enablednd"] is False
    assert setup.user_pushes("bob") == [] and setup.user_pushes("alice") == []


def test_unknown_feature_key_ignored(setup: Setup) -> None:
    """A key that is not a known feature (or not of the family) never reaches the status."""
    setup.ami.login()
    answer_tree(
        setup.ami,
        [
            entry("/xivo-features/2002/enablevoicemail", "1"),
            entry("/xivo-features/2002/extra/enablednd", "1"),
            entry("/other/2002/enablednd", "1"),
            entry("/xivo-features/2002/destbusy", "2003"),
        ],
    )
    status = setup.status("bob")
    assert "enablevoicemail" not in status
    assert (status["enablednd"], status["destbusy"]) == (False, "2003")


def test_family_and_key_headers_accepted(setup: Setup) -> None:
    """An entry split over Family and Key headers is read like a full-path Key."""
    setup.ami.login()
    answer_tree(setup.ami, [{"Family": "xivo-features/2003", "Key": "enablednd", "Val": "1"}])
    assert setup.status("carol")["enablednd"] is True


def test_new_user_table_reads_again(setup: Setup) -> None:
    """A users reload while connected sends DBGetTree again (new users get their features)."""
    setup.ami.login()
    answer_tree(setup.ami, [])
    setup.cti.replace_users(tuple(setup.cti.users.all()))
    setup.features.users_changed()
    answer_tree(setup.ami, [entry("/xivo-features/2001/enablednd", "1")])
    assert setup.status("alice")["enablednd"] is True


def test_an_astdb_of_one_ipbx_sets_its_users_only() -> None:
    """With several ipbx each AstDB holds the features of its own users: a read of b's
    (``owns``: dave only) sets dave's and leaves those of the default ipbx's users; only
    dave is told as changed."""
    cti = Rig(ipbx_b=True)
    cti.ctx.book.set_features("bob", {"enablednd": True})
    ami = AMIRig()
    told: list[list[str]] = []
    FeaturesFollower(
        ami.service, cti.users, cti.ctx.book, ami.reactor, lambda logins: told.append(list(logins)),
        lambda user: user.ipbx == "b",
    )  # fmt: skip
    ami.service.startService()
    ami.login()
    answer_tree(
        ami,
        [entry("/xivo-features/3001/enablednd", "1"), entry("/xivo-features/2002/enableunc", "1")],
    )
    assert cti.ctx.book.status("dave")["enablednd"] is True
    assert cti.ctx.book.status("bob")["enablednd"] is True
    assert cti.ctx.book.status("bob")["enableunc"] is False
    assert told == [["dave"]]
