"""End-to-end: one ``twistd xivo-ctid`` owning two Asterisk servers of the rig (two ipbx).

``ipbx: {xivo: ..., b: ...}`` holds the AMI settings of ``asterisk`` and ``asterisk_b``.
alice (supervisor) is a user of xivo on ``Custom:alice``; dave is a user of b whose line
``Local/100@cti_phone`` (a "phone" that answers and holds) dials into ``cti_dial`` on b.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest
import yaml

from testing.daemons import BlockingCTIClient, Daemon, free_port, health
from testing.waiting import wait_until
from tests.e2e.test_cti_server import channels

pytestmark = pytest.mark.e2e

USERS = [
    ("alice", "Custom:alice", "2001", "hints", "supervisor", "xivo"),
    ("dave", "Local/100@cti_phone", "100", "cti_dial", "user", "b"),
]
DAVE = "2"  # dave's list id (his position in the file)


def users_file(path: Path, users: list[tuple[str, ...]] = USERS) -> Path:
    """``users`` (login, line, extension, context, profile, ipbx) in a users file
    (password = login + "-pw", bcrypt cost 4); by default alice and dave."""
    records = [
        {"login": login, "password_hash": bcrypt.hashpw(f"{login}-pw".encode(),
         bcrypt.gensalt(rounds=4)).decode(), "line": line, "extension": ext,
         "context": context, "profile": profile, "ipbx": ipbx}
        for login, line, ext, context, profile, ipbx in users
    ]  # fmt: skip
    path.write_text(yaml.safe_dump(records))
    return path


def ami(asterisk) -> dict[str, object]:
    return {"host": asterisk.ami_host, "port": asterisk.ami_port,
            "username": asterisk.ami_username, "secret": asterisk.ami_secret}  # fmt: skip


@pytest.fixture(scope="module")
def ctid(asterisk, asterisk_b, tmp_path_factory) -> Iterator[int]:
    """xivo-ctid owning both servers, healthy once both AMI links are up; its CTI port."""
    tmp = tmp_path_factory.mktemp("ctid-ipbx")
    cti, http = free_port(), free_port()
    config = {
        "ipbx": {"xivo": {"ami": ami(asterisk)}, "b": {"ami": ami(asterisk_b)}},
        "cti": {"address": "127.0.0.1", "port": cti, "ipbxid": "xivo"},
        "http": {"address": "127.0.0.1", "port": http},
        "users_file": str(users_file(tmp / "users.yml")),
    }
    daemon = Daemon("xivo-ctid", yaml.safe_dump(config), tmp)
    try:
        daemon.wait_port(cti)
        wait_until(lambda: health(http)[0] == 200, timeout=20.0, what="both AMI connected")
        checks = health(http)[1]["checks"]
        assert checks["ami"]["port"] == asterisk.ami_port
        assert checks["ami.b"]["port"] == asterisk_b.ami_port
        yield cti
    finally:
        daemon.stop()
        for secret in (asterisk.ami_secret, asterisk_b.ami_secret):
            assert secret not in daemon.output()
        errors = [line for line in daemon.output().splitlines() if "Traceback" in line]
        assert not errors, daemon.output()


@pytest.fixture
def clients(ctid) -> Iterator[list[BlockingCTIClient]]:
    """alice and dave logged in (closed at the end)."""
    opened = [BlockingCTIClient(ctid), BlockingCTIClient(ctid)]
    try:
        yield opened
    finally:
        for client in opened:
            client.close()


def dave_phone(client: BlockingCTIClient, busy: bool) -> dict:
    """The next push of dave's phone (of ipbx b) with channels (``busy``) or without."""
    return client.wait(
        lambda m: (
            m.get("listname") == "phones"
            and m.get("function") == "updatestatus"
            and (m.get("tipbxid"), m.get("tid")) == ("b", DAVE)
            and bool(m["status"]["channels"]) == busy
        ),
        timeout=20.0,
    )


def test_a_call_on_b_seen_and_hung_up_from_a_client_of_the_other_ipbx(
    asterisk, asterisk_b, clients
):
    """dave (of b) dials: the call is placed on b, not on the first server; alice (of
    xivo) sees dave's phone in use with b's channel, and her hangup of ``chan:b/<id>``
    ends the call on b."""
    alice, dave = clients
    assert alice.login("alice")["ipbxid"] == "xivo"
    assert dave.login("dave")["ipbxid"] == "b"
    alice.send(**{"class": "getipbxlist", "commandid": 3})
    assert alice.reply(3)["ipbxlist"] == ["xivo", "b"]
    dave.send(**{"class": "ipbxcommand", "command": "dial", "destination": "4242",
                 "commandid": 7})  # fmt: skip
    try:
        assert dave.reply(7)["class"] == "dial_success"
        uniqueid = dave_phone(alice, busy=True)["status"]["channels"][0]
        assert uniqueid.startswith("b-"), uniqueid  # b's systemname
        assert channels(asterisk_b, "cti_phone") and not channels(asterisk, "cti_phone")
        alice.send(**{"class": "ipbxcommand", "command": "hangup",
                      "channelids": f"chan:b/{uniqueid}", "commandid": 8})  # fmt: skip
        assert "error_string" not in alice.reply(8)
        wait_until(lambda: uniqueid not in asterisk_b.cli("core show channels concise")
                   and not channels(asterisk_b, "Local/100@"), timeout=20.0,
                   what="dave's call hung up on b")  # fmt: skip
        assert dave_phone(alice, busy=False)
    finally:
        for name in channels(asterisk_b, "cti_"):
            asterisk_b.cli(f"channel request hangup {name}")
