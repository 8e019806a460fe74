"""End-to-end: two ``twistd xivo-ctid`` nodes sharing their ipbx over the private RabbitMQ.

Node A owns ipbx xivo (the rig's ``asterisk``), node B ipbx b (``asterisk_b``); both read
the same users: alice (supervisor, of xivo) and dave (of b, his line ``Local/100@cti_phone``
dialling into ``cti_dial``).  A client of node A sees what happens on b.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from testing.daemons import BlockingCTIClient, Daemon, free_port, health
from testing.waiting import wait_until
from tests.e2e.test_cti_ipbx import DAVE, USERS, ami, dave_phone, users_file
from tests.e2e.test_cti_server import channels

pytestmark = pytest.mark.e2e
ALICE = "1"  # alice's list id (her position in the users file)


class Node:
    """One xivo-ctid of the pair: its daemon, CTI and HTTP ports."""

    def __init__(self, tmp: Path, ipbx: dict, url: str, users: list[tuple[str, ...]] = USERS):
        self.cti, self.http = free_port(), free_port()
        config = {
            "ipbx": ipbx,
            "bus": {"url": url, "exchange": "xivo-e2e"},
            "cti": {"address": "127.0.0.1", "port": self.cti, "ipbxid": "xivo"},
            "http": {"address": "127.0.0.1", "port": self.http},
            "users_file": str(users_file(tmp / "users.yml", users)),
        }
        self.daemon = Daemon("xivo-ctid", yaml.safe_dump(config), tmp)

    def healthy(self) -> bool:
        return health(self.http)[0] == 200


@pytest.fixture(scope="module")
def nodes(asterisk, asterisk_b, rabbitmq_server, tmp_path_factory) -> Iterator[list[Node]]:
    """Node A (ipbx xivo) and node B (ipbx b), each holding its ipbx's AMI, then node C,
    configured with ipbx b too: the standby."""
    url = rabbitmq_server.url
    a = Node(tmp_path_factory.mktemp("node-a"), {"xivo": {"ami": ami(asterisk)}}, url)
    b = Node(tmp_path_factory.mktemp("node-b"), {"b": {"ami": ami(asterisk_b)}}, url)
    started = [a, b]
    try:
        for node in (a, b):
            node.daemon.wait_port(node.cti)
            wait_until(node.healthy, timeout=30.0, what="the node's AMI connected")
        started.append(Node(tmp_path_factory.mktemp("node-c"), {"b": {"ami": ami(asterisk_b)}},
                            url))  # fmt: skip
        started[2].daemon.wait_port(started[2].cti)
        assert not started[2].healthy()  # b is held by node B
        yield started
    finally:
        for node in started:
            node.daemon.stop()
            output = node.daemon.output()
            assert rabbitmq_server.password not in output
            for secret in (asterisk.ami_secret, asterisk_b.ami_secret):
                assert secret not in output
            assert "Traceback" not in output, output


def test_a_call_on_b_is_seen_and_hung_up_by_a_client_of_node_a(asterisk_b, nodes):
    """dave, on node B, dials on b; alice, on node A, sees his phone in use with b's
    channel; her hangup travels to node B, which ends the call on b; the presence she
    sets on node A is what dave sees on node B; her message reaches him there, escaped
    and named, and his answer her."""
    a, b, _c = nodes
    alice, dave = BlockingCTIClient(a.cti), BlockingCTIClient(b.cti)
    try:
        alice.login("alice")
        dave.login("dave")
        wait_until(lambda: _ipbx_list(alice) == ["xivo", "b"], timeout=15.0,
                   what="node A follows b")  # fmt: skip
        dave.send(**{"class": "ipbxcommand", "command": "dial", "destination": "4242",
                     "commandid": 7})  # fmt: skip
        assert dave.reply(7)["class"] == "dial_success"
        uniqueid = dave_phone(alice, busy=True)["status"]["channels"][0]
        assert uniqueid.startswith("b-"), uniqueid
        alice.send(**{"class": "ipbxcommand", "command": "hangup",
                      "channelids": f"chan:b/{uniqueid}", "commandid": 8})  # fmt: skip
        assert "error_string" not in alice.reply(8)
        assert dave_phone(alice, busy=False)["tid"] == DAVE
        assert not channels(asterisk_b, "Local/100@")
        alice.send(**{"class": "availstate", "availstate": "away", "commandid": 10})
        assert "error_string" not in alice.reply(10)
        pushed = dave.wait(lambda m: m.get("listname") == "users" and m.get("tid") == ALICE
                           and m.get("status", {}).get("availstate") == "away")  # fmt: skip
        assert pushed["tipbxid"] == "xivo"
        _chat(alice, ["b", DAVE], "<b>lunch?</b>", 11)
        got = dave.wait(lambda m: m["class"] == "chitchat" and "from" in m)
        assert (got["from"], got["alias"], got["text"]) == (
            ["xivo", ALICE], "alice", "&lt;b&gt;lunch?&lt;/b&gt;")  # fmt: skip
        _chat(dave, got["from"], "yes", 12)
        answer = alice.wait(lambda m: m["class"] == "chitchat" and "from" in m)
        assert (answer["from"], answer["text"]) == (["b", DAVE], "yes")
    finally:
        for name in channels(asterisk_b, "cti_"):
            asterisk_b.cli(f"channel request hangup {name}")
        alice.close()
        dave.close()


def _chat(client: BlockingCTIClient, to: list[str], text: str, commandid: int) -> None:
    client.send(**{"class": "chitchat", "to": to, "text": text, "commandid": commandid})
    assert "error_string" not in client.reply(commandid)


def _ipbx_list(client: BlockingCTIClient) -> list[str]:
    client.send(**{"class": "getipbxlist", "commandid": 3})
    return client.reply(3)["ipbxlist"]


def test_the_standby_takes_over_within_10_s_of_the_holders_death(asterisk_b, nodes):
    """Node B killed (-9): node C holds b within 10 s; a call then placed on b is seen by
    alice on node A, and her hangup goes through node C."""
    a, b, c = nodes
    alice = BlockingCTIClient(a.cti)
    try:
        alice.login("alice")
        b.daemon.proc.kill()
        killed = time.monotonic()
        wait_until(c.healthy, timeout=10.0, what="node C holds b")
        assert time.monotonic() - killed < 10.0
        asterisk_b.cli("channel originate Local/100@cti_phone extension 4242@cti_dial")
        uniqueid = dave_phone(alice, busy=True)["status"]["channels"][0]
        alice.send(**{"class": "ipbxcommand", "command": "hangup",
                      "channelids": f"chan:b/{uniqueid}", "commandid": 8})  # fmt: skip
        assert "error_string" not in alice.reply(8)
        assert dave_phone(alice, busy=False)["tid"] == DAVE
    finally:
        alice.close()
        for name in channels(asterisk_b, "cti_"):
            asterisk_b.cli(f"channel request hangup {name}")


def test_a_command_for_an_ipbx_nobody_holds_gets_a_clear_error(asterisk_b, nodes):
    """A call of dave's is up on b when its last holder (node C) stops: node A still shows
    it, and alice's hangup of it is answered ``ipbx_not_answering:b`` once its deadline
    passed; once nothing was heard of b for three heartbeats, at once; the call is left
    alone."""
    a, _b, c = nodes
    alice = BlockingCTIClient(a.cti)
    try:
        alice.login("alice")
        asterisk_b.cli("channel originate Local/100@cti_phone extension 4242@cti_dial")
        uniqueid = dave_phone(alice, busy=True)["status"]["channels"][0]
        c.daemon.stop()
        alice.send(**{"class": "ipbxcommand", "command": "hangup",
                      "channelids": f"chan:b/{uniqueid}", "commandid": 9})  # fmt: skip
        assert alice.reply(9, timeout=20.0)["error_string"] == "ipbx_not_answering:b"
        time.sleep(2.0)  # b silent for over 6 s now
        alice.send(**{"class": "ipbxcommand", "command": "hangup",
                      "channelids": f"chan:b/{uniqueid}", "commandid": 10})  # fmt: skip
        assert alice.reply(10, timeout=1.5)["error_string"] == "ipbx_not_answering:b"
        assert channels(asterisk_b, "Local/100@")
    finally:
        alice.close()
        for name in channels(asterisk_b, "cti_"):
            asterisk_b.cli(f"channel request hangup {name}")
