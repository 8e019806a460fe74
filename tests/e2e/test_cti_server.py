"""End-to-end: the real ``twistd xivo-ctid`` against the rig's Asterisk, CTI clients over TCP.

Users (a temporary users file): alice, supervisor on ``Custom:alice`` (hint 2001@hints);
bob, an ordinary user on ``Custom:bob``; dave, an ordinary user whose line is
``Local/100@cti_phone`` (a "phone" that answers and holds) dialling into ``cti_dial``;
erin, the same on ``Local/200@cti_xfer_phone`` dialling into ``cti_xfer`` (bridged to the
callee by Dial, for transfers: tests/e2e/test_cti_calls.py); frank, an agent (agent 7)
on ``Local/201@cti_xfer_phone``; grace, a supervisor on ``Local/202@cti_xfer_phone`` (to
listen to agents: tests/e2e/test_cti_queues.py).
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bcrypt
import pytest
import yaml

from testing.daemons import BlockingCTIClient, Daemon, free_port, health
from testing.waiting import wait_until

pytestmark = pytest.mark.e2e

USERS = [
    ("alice", "Custom:alice", "2001", "hints", "supervisor"),
    ("bob", "Custom:bob", "2002", "hints", "user"),
    ("dave", "Local/100@cti_phone", "100", "cti_dial", "user"),
    ("erin", "Local/200@cti_xfer_phone", "200", "cti_xfer", "user"),
    ("frank", "Local/201@cti_xfer_phone", "201", "cti_xfer", "agent"),
    ("grace", "Local/202@cti_xfer_phone", "202", "cti_xfer", "supervisor"),
]
AGENTS = {"frank": "7"}  # agent ids of the rig's agents.conf
IDS = {login: str(i + 1) for i, (login, *_rest) in enumerate(USERS)}


def users_file(path: Path, users: list[tuple[str, ...]] = USERS) -> Path:
    """A users file for the rig (password = login + "-pw", bcrypt cost 4)."""
    records = [
        {"login": login, "password_hash": bcrypt.hashpw(f"{login}-pw".encode(),
         bcrypt.gensalt(rounds=4)).decode(), "line": line, "extension": ext,
         "context": context, "profile": profile,
         **({"agent": AGENTS[login]} if login in AGENTS else {})}
        for login, line, ext, context, profile in users
    ]  # fmt: skip
    path.write_text(yaml.safe_dump(records))
    return path


class CTIClient(BlockingCTIClient):
    """The shared blocking client, plus the phones pushes of the rig's users."""

    def phone(self, login: str, match: Callable[[dict], bool]) -> dict[str, Any]:
        """The next phones push about ``login``'s phone whose status ``match``es."""
        return self.wait(
            lambda m: (
                m.get("listname") == "phones"
                and m.get("function") == "updatestatus"
                and m.get("tid") == IDS[login]
                and match(m["status"])
            )
        )["status"]


@pytest.fixture(scope="module")
def ctid(asterisk, tmp_path_factory) -> Iterator[int]:
    """The xivo-ctid daemon connected to the rig's AMI; yields its CTI port."""
    tmp = tmp_path_factory.mktemp("ctid")
    cti, http = free_port(), free_port()
    config = {
        "ami": {"host": asterisk.ami_host, "port": asterisk.ami_port,
                "username": asterisk.ami_username, "secret": asterisk.ami_secret},
        "cti": {"address": "127.0.0.1", "port": cti, "output_buffer_limit": 65536},
        "http": {"address": "127.0.0.1", "port": http},
        "users_file": str(users_file(tmp / "users.yml")),
    }  # fmt: skip
    daemon = Daemon("xivo-ctid", yaml.safe_dump(config), tmp)
    try:
        daemon.wait_port(cti)
        wait_until(lambda: health(http)[0] == 200, timeout=20.0, what="AMI connected")
        yield cti
    finally:
        daemon.stop()
        assert asterisk.ami_secret not in daemon.output()
        errors = [line for line in daemon.output().splitlines() if "Traceback" in line]
        assert not errors, daemon.output()


def channels(asterisk, marker: str) -> list[str]:
    """Names of the Asterisk channels containing ``marker`` (``core show channels``)."""
    out = asterisk.cli("core show channels concise")
    return [line.split("!")[0] for line in out.splitlines() if marker in line]


def reset(sock: socket.socket) -> bool:
    """True once the server aborted the connection (a reset leaves the socket unconnected)."""
    try:
        sock.getpeername()
    except OSError:
        return True
    return False


@pytest.fixture
def clients(ctid) -> Iterator[Callable[..., CTIClient]]:
    """Opens CTI clients, closed at the end of the test."""
    opened: list[CTIClient] = []

    def open_client(rcvbuf: int | None = None) -> CTIClient:
        opened.append(CTIClient(ctid, rcvbuf))
        return opened[-1]

    yield open_client
    for client in opened:
        client.close()


@pytest.fixture
def dave_call(asterisk, clients) -> Iterator[tuple[CTIClient, str]]:
    """dave clicked to dial 4242 and his phone is in use (hint 1, a channel): his client
    and one uniqueid of the live call."""
    dave = clients()
    dave.login("dave")
    dave.send(**{"class": "ipbxcommand", "command": "dial", "destination": "exten:xivo/4242",
                 "commandid": 7})  # fmt: skip
    try:
        reply = dave.reply(7)
        assert reply["class"] == "dial_success" and reply["exten"] == "4242", reply
        status = dave.phone("dave", lambda s: s["channels"] and s["hintstatus"] == "1")
        yield dave, status["channels"][0]
    finally:
        for name in channels(asterisk, "cti_phone"):
            asterisk.cli(f"channel request hangup {name}")


def test_devstate_change_pushes_ringing_then_in_use(asterisk, clients):
    """A devstate change on alice's hint reaches a logged-in client as 8, then 1, then 0."""
    bob = clients()
    assert bob.login("bob")["class"] == "login_capas"
    asterisk.cli("devstate change Custom:alice RINGING")
    assert bob.phone("alice", lambda s: s["hintstatus"] == "8")
    asterisk.cli("devstate change Custom:alice INUSE")
    assert bob.phone("alice", lambda s: s["hintstatus"] == "1")
    asterisk.cli("devstate change Custom:alice NOT_INUSE")
    assert bob.phone("alice", lambda s: s["hintstatus"] == "0")


def test_click_to_dial_creates_the_call_and_hangup_ends_it(asterisk, clients, dave_call):
    """dial makes Asterisk place the call (phone in use); hangup removes its channels."""
    dave, uniqueid = dave_call
    assert channels(asterisk, "Local/100@cti_phone")
    alice = clients()
    alice.login("alice")
    alice.send(**{"class": "getlist", "function": "updatestatus", "listname": "phones",
                  "tipbxid": "xivo", "tid": IDS["dave"], "commandid": 4})  # fmt: skip
    assert uniqueid in alice.reply(4)["status"]["channels"]
    dave.send(**{"class": "ipbxcommand", "command": "hangup", "channelids": uniqueid,
                 "commandid": 8})  # fmt: skip
    assert "error_string" not in dave.reply(8)
    wait_until(lambda: not channels(asterisk, "cti_phone"), timeout=20.0, what="call hung up")
    assert dave.phone("dave", lambda s: s["channels"] == [])


def test_unauthorised_and_unauthenticated_commands_change_nothing(asterisk, clients, dave_call):
    """An ordinary user hanging up another's call, or a client not logged in, is refused."""
    _dave, uniqueid = dave_call
    before = channels(asterisk, "cti_phone")
    bob = clients()
    bob.login("bob")
    bob.send(**{"class": "ipbxcommand", "command": "hangup", "channelids": uniqueid,
                "commandid": 5})  # fmt: skip
    assert bob.reply(5)["error_string"] == "forbidden"
    stranger = clients()
    stranger.send(**{"class": "ipbxcommand", "command": "hangup", "channelids": uniqueid,
                     "commandid": 6})  # fmt: skip
    assert stranger.reply(6)["error_string"] == "login_required"
    stranger.send(**{"class": "ipbxcommand", "command": "dial", "destination": "4243",
                     "commandid": 7})  # fmt: skip
    assert stranger.reply(7)["error_string"] == "login_required"
    time.sleep(1.0)
    assert channels(asterisk, "cti_phone") == before


def test_client_that_stops_reading_is_dropped_others_keep_receiving(asterisk, clients):
    """A logged-in client that never reads is cut off; a reading client still gets pushes."""
    sleeper = clients(rcvbuf=4096)
    sleeper.login("alice")
    reader = clients()
    reader.login("bob")
    dropped = False
    for batch in range(400):  # up to ~7 MB of presence pushes to the sleeper
        lines = [json.dumps({"class": "availstate", "availstate": "away" if i % 2 else
                             "available", "commandid": 100 + i}).encode()
                 for i in range(batch * 100, batch * 100 + 100)]  # fmt: skip
        reader.sock.sendall(b"\n".join(lines) + b"\n")
        reader.reply(100 + batch * 100 + 99)
        reader.unread.clear()
        dropped = reset(sleeper.sock)
        if dropped:
            break
    assert dropped
    asterisk.cli("devstate change Custom:alice INUSE")
    assert reader.phone("alice", lambda s: s["hintstatus"] == "1")
    asterisk.cli("devstate change Custom:alice NOT_INUSE")
    assert reader.phone("alice", lambda s: s["hintstatus"] == "0")
