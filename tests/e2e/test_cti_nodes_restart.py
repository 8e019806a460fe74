"""End-to-end: RabbitMQ restarted under load between two ``twistd xivo-ctid`` nodes, and a
node started late.

Node A holds ipbx xivo (the rig's ``asterisk``), node B ipbx b (``asterisk_b``).  Users:
alice (supervisor) and carol (agent) of xivo, bob (supervisor) and dave (user) of b; their
lines are the rig's custom device states and dave's ``Local/100@cti_phone``.  While device
states, queue pauses, dave's calls and presences change on both sides, the broker is
restarted; afterwards every client's view (its lists at login, then the pushes it read)
equals a fresh ``getlist`` on its node, and both nodes give the same lists.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from testing.cti_view import View, ViewClient
from testing.waiting import wait_until
from tests.e2e.test_cti_ipbx import ami
from tests.e2e.test_cti_nodes import Node
from tests.e2e.test_cti_server import channels

pytestmark = pytest.mark.e2e

USERS = [
    ("alice", "Custom:alice", "2001", "hints", "supervisor", "xivo"),
    ("carol", "Custom:carol", "2003", "hints", "agent", "xivo"),
    ("bob", "Custom:bob", "2002", "hints", "supervisor", "b"),
    ("dave", "Local/100@cti_phone", "100", "cti_dial", "user", "b"),
]
ALL = ("users", "phones", "queues", "queuemembers", "agents")
DEVICES = ("Custom:alice", "Custom:bob", "Custom:carol")
STATES = ("INUSE", "RINGING", "NOT_INUSE", "ONHOLD")
MEMBERS = ("Local/4001@agents/n", "Local/4002@agents/n")
DAVE_CALL = {"Channel": "Local/100@cti_phone", "Context": "cti_dial", "Exten": "4242",
             "Priority": "1", "Async": "true"}  # fmt: skip


class AMI:
    """A blocking AMI session without events: one action at a time, its response."""

    def __init__(self, asterisk) -> None:
        self.sock = socket.create_connection((asterisk.ami_host, asterisk.ami_port), timeout=10)
        self.buf = b""
        self.ids = itertools.count(1)
        self.action("Login", Username=asterisk.ami_username, Secret=asterisk.ami_secret,
                    Events="off")  # fmt: skip

    def action(self, name: str, **headers: str) -> None:
        """Send one action; fail unless Asterisk answers it with success."""
        actionid = str(next(self.ids))
        lines = [
            f"Action: {name}",
            f"ActionID: {actionid}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while True:
            while b"\r\n\r\n" in self.buf:
                block, self.buf = self.buf.split(b"\r\n\r\n", 1)
                if f"ActionID: {actionid}\r\n" in block.decode() + "\r\n":
                    assert b"Response: Success" in block, block
                    return
            data = self.sock.recv(65536)
            assert data, "AMI closed"
            self.buf += data

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def nodes(asterisk, asterisk_b, rabbitmq_server, tmp_path_factory) -> Iterator[list[Node]]:
    """Nodes A (xivo) and B (b), each holding its ipbx; more nodes may be appended."""
    started = []
    try:
        for name, ipbx in (("a", {"xivo": {"ami": ami(asterisk)}}),
                           ("b", {"b": {"ami": ami(asterisk_b)}})):  # fmt: skip
            tmp = tmp_path_factory.mktemp(f"restart-{name}")
            started.append(Node(tmp, ipbx, rabbitmq_server.url, USERS))
        for node in started:
            node.daemon.wait_port(node.cti)
            wait_until(node.healthy, timeout=30.0, what="the node's AMI connected")
        yield started
    finally:
        for node in started:
            node.daemon.stop()
            assert rabbitmq_server.password not in node.daemon.output()
            assert "Traceback" not in node.daemon.output(), node.daemon.output()
        for server in (asterisk, asterisk_b):
            for name in channels(server, "cti_"):
                server.cli(f"channel request hangup {name}")


@pytest.fixture
def amis(asterisk, asterisk_b) -> Iterator[dict[str, AMI]]:
    """An AMI session on each Asterisk, by ipbx; the devices and queue members are left
    as other tests expect them (idle, not paused)."""
    opened = {"xivo": AMI(asterisk), "b": AMI(asterisk_b)}
    try:
        yield opened
    finally:
        for session in opened.values():
            for device in DEVICES:
                session.action("Setvar", Variable=f"DEVICE_STATE({device})", Value="NOT_INUSE")
            for member in MEMBERS:
                session.action("QueuePause", Queue="support", Interface=member, Paused="false")
            session.close()


def logged_in(port: int, login: str, lists: tuple[str, ...] = ALL) -> ViewClient:
    """A client of ``login`` on the node at ``port``, its view read once the node knows
    the state of both ipbx."""
    client = ViewClient(port, lists)
    client.login(login)
    wait_until(lambda: all(_knows(client, ipbx) for ipbx in ("xivo", "b")), timeout=20.0,
               what="the node follows both ipbx")  # fmt: skip
    client.read_lists(client.view)
    return client


def _knows(client: ViewClient, ipbx: str) -> bool:
    """Whether the node has a state of ``ipbx`` (phones have a status; an unknown ipbx is
    the default one)."""
    phones = client.ask(**{"class": "getlist", "function": "listid", "listname": "phones",
                           "tipbxid": ipbx})  # fmt: skip
    client.send(**{"class": "getlist", "function": "updatestatus", "listname": "phones",
                   "tipbxid": ipbx, "tid": phones["list"][0], "commandid": 99})  # fmt: skip
    return phones["tipbxid"] == ipbx and "error_string" not in client.reply(99)


def change(amis: dict[str, AMI], clients: dict[str, ViewClient], step: int) -> None:
    """One step of load: a device state and a queue pause on one side, now and then a
    call of dave's placed or hung up on b, and alice's and bob's presences."""
    ami_ = amis["xivo" if step % 2 else "b"]
    ami_.action("Setvar", Variable=f"DEVICE_STATE({DEVICES[step % 3]})", Value=STATES[step % 4])
    ami_.action("QueuePause", Queue="support", Interface=MEMBERS[step % 2],
                Paused="true" if step % 3 else "false")  # fmt: skip
    if step % 20 == 0:
        amis["b"].action("Originate", **DAVE_CALL)
    elif step % 20 == 10:
        amis["b"].action("Hangup", Channel="/^Local/100@cti_phone/")
    if step % 10 == 5:
        for login in ("alice", "bob"):
            presence = "away" if step % 20 == 5 else "available"
            clients[login].ask(**{"class": "availstate", "availstate": presence})


def settle(amis: dict[str, AMI], clients: dict[str, ViewClient]) -> None:
    """The last changes, to values the load never sets, so that a view showing them is
    not an old one."""
    for ami_ in amis.values():
        for device, state in zip(DEVICES, ("BUSY", "UNAVAILABLE", "RINGINUSE"), strict=True):
            ami_.action("Setvar", Variable=f"DEVICE_STATE({device})", Value=state)
        for member, paused in zip(MEMBERS, ("true", "false"), strict=True):
            ami_.action("QueuePause", Queue="support", Interface=member, Paused=paused,
                        Reason="settled")  # fmt: skip
    amis["b"].action("Hangup", Channel="/^Local/100@cti_phone/")
    clients["alice"].ask(**{"class": "availstate", "availstate": "berightback"})
    clients["bob"].ask(**{"class": "availstate", "availstate": "outtolunch"})


#: What ``settle`` leaves: (ipbx, list, id) -> fields of the item's status.
SETTLED = {
    ("xivo", "phones", "1"): {"hintstatus": "2"},  # alice: BUSY
    ("xivo", "phones", "2"): {"hintstatus": "9"},  # carol: RINGINUSE
    ("b", "phones", "3"): {"hintstatus": "4"},  # bob: UNAVAILABLE
    ("b", "phones", "4"): {"channels": []},  # dave: hung up
    ("xivo", "users", "1"): {"availstate": "berightback"},
    ("b", "users", "3"): {"availstate": "outtolunch"},
    ("b", "users", "4"): {"availstate": "available"},
    **{(ipbx, "queuemembers", f"support,{member}"): {"status": status}
       for ipbx in ("xivo", "b") for member, status in zip(MEMBERS, "35", strict=True)},
}  # fmt: skip


def shows(view: View, expected: dict) -> bool:
    """Whether ``view`` shows every expected status field."""
    return all(
        key in view and all(view[key].get("status", {}).get(f) == v for f, v in fields.items())
        for key, fields in expected.items()
        if key[1] in {k[1] for k in view}
    )


def test_every_view_equals_a_fresh_getlist_after_a_broker_restart_under_load(
    rabbitmq_server, nodes, amis
):
    """The broker restarts while both Asterisk servers and the clients change things; once
    the last changes are made, each client's view is a fresh getlist of its node (and
    shows those changes), and node A and node B give the same lists."""
    a, b = nodes[:2]
    clients = {"alice": logged_in(a.cti, "alice"), "carol": logged_in(a.cti, "carol"),
               "bob": logged_in(b.cti, "bob"),
               "dave": logged_in(b.cti, "dave", ("users", "phones"))}  # fmt: skip
    failed: list[BaseException] = []
    restart = threading.Thread(target=lambda: _restart(rabbitmq_server, failed))
    try:
        began, restarted = time.monotonic(), None
        for step in itertools.count():
            if step == 30:
                restart.start()
            if restarted is None and step > 30 and not restart.is_alive():
                restarted = time.monotonic()
            if restarted is not None and time.monotonic() - restarted > 5.0:
                break
            assert time.monotonic() - began < 240, "the broker did not restart"
            change(amis, clients, step)
            for client in clients.values():
                client.drain()
            time.sleep(0.02)
        assert not failed, failed
        settle(amis, clients)
        wait_until(lambda: all(shows(c.read_lists({}), SETTLED) for c in clients.values()),
                   timeout=60.0, what="every node shows the last changes")  # fmt: skip
        for login, client in clients.items():
            fresh = client.read_lists({})
            assert client.view == fresh, (login, _differences(client.view, fresh))
        assert clients["alice"].view == clients["bob"].view
    finally:
        restart.join(timeout=240)
        for client in clients.values():
            client.close()


def _restart(rabbitmq_server, failed: list[BaseException]) -> None:
    try:
        rabbitmq_server.restart()
    except BaseException as e:  # noqa: BLE001 - reported by the test's thread
        failed.append(e)


def _differences(view: View, fresh: View) -> dict:
    return {key: (view.get(key), fresh.get(key)) for key in view.keys() | fresh.keys()
            if view.get(key) != fresh.get(key)}  # fmt: skip


def test_a_node_started_late_converges(rabbitmq_server, nodes, amis, tmp_path_factory):
    """Node D, owning no ipbx, started after the others: its client's lists become node
    A's, then follow the next changes on both ipbx."""
    d = Node(tmp_path_factory.mktemp("restart-d"), {}, rabbitmq_server.url, USERS)
    nodes.append(d)  # stopped with the others
    d.daemon.wait_port(d.cti)
    alice, carol = logged_in(nodes[0].cti, "alice"), logged_in(d.cti, "carol")
    try:
        wait_until(lambda: carol.read_lists({}) == alice.read_lists({}), timeout=20.0,
                   what="node D's lists equal node A's")  # fmt: skip
        amis["xivo"].action("Setvar", Variable="DEVICE_STATE(Custom:alice)", Value="RINGING")
        amis["b"].action("Setvar", Variable="DEVICE_STATE(Custom:bob)", Value="INUSE")
        alice.ask(**{"class": "availstate", "availstate": "away"})
        expected = {
            ("xivo", "phones", "1"): {"hintstatus": "8"},
            ("b", "phones", "3"): {"hintstatus": "1"},
            ("xivo", "users", "1"): {"availstate": "away"},
            ("xivo", "queuemembers", "support,Local/4001@agents/n"): {"status": "6"},
        }
        wait_until(lambda: shows(carol.read_lists({}), expected), timeout=20.0,
                   what="node D shows the changes")  # fmt: skip
        assert shows(carol.view, expected)
        assert carol.view == carol.read_lists({}) == alice.read_lists({})
    finally:
        alice.close()
        carol.close()
