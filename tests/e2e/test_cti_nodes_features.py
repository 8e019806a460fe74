"""End-to-end: users' DND and forwards across two ``twistd xivo-ctid`` nodes.

Node A holds ipbx xivo, node B ipbx b (the nodes and users of
``test_cti_nodes_restart``): bob is a user of b (extension 2002).  What he changes from
node A is written to b's AstDB through node B; what node B reads back from b's AstDB
shows on node A; every client's view stays a fresh ``getlist`` of its node.
"""

from __future__ import annotations

import signal

import pytest

from testing.waiting import wait_until
from tests.e2e.test_cti_nodes_restart import logged_in, nodes  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e
BOB = ("b", "users", "3")  # bob's item in the users list of ipbx b


def _config(client, key):
    client.drain()
    return client.view.get(BOB, {}).get("config")


def test_features_changed_on_one_node_show_on_the_other(asterisk_b, nodes):  # noqa: F811
    """bob, logged in on node A, turns DND on: the DBPut runs on b through node B, and
    dave on node B sees it; forwards written into b's AstDB and read back by node B (on
    SIGHUP) show on node A; both views are then a fresh getlist of their node."""
    a, b = nodes[:2]
    alice = logged_in(a.cti, "alice")
    bob = logged_in(a.cti, "bob")
    dave = logged_in(b.cti, "dave", ("users", "phones"))
    try:
        for family_key in ("enablednd", "enableunc", "destunc"):
            asterisk_b.cli(f"database del xivo-features/2002 {family_key}")
        bob.ask(**{"class": "featuresput", "function": "enablednd", "value": True})
        assert "Value: 1" in asterisk_b.cli("database get xivo-features/2002 enablednd")
        wait_until(lambda: (_config(dave, BOB) or {}).get("enablednd") is True, timeout=10.0,
                   what="dave on node B sees bob's DND")  # fmt: skip
        asterisk_b.cli("database put xivo-features/2002 destunc 5555")
        asterisk_b.cli("database put xivo-features/2002 enableunc 1")
        b.daemon.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: (_config(alice, BOB) or {}).get("destunc") == "5555", timeout=10.0,
                   what="alice on node A sees bob's forward read back on node B")  # fmt: skip
        config = _config(alice, BOB)
        assert config["enableunc"] is True and config["enablednd"] is True
        for client in (alice, bob, dave):
            assert client.view == client.read_lists({})
        assert alice.view[BOB] == dave.view[BOB]
    finally:
        for client in (alice, bob, dave):
            client.close()
        for family_key in ("enablednd", "enableunc", "destunc"):
            asterisk_b.cli(f"database del xivo-features/2002 {family_key}")
