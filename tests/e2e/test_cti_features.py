"""End-to-end: DND set over CTI is in the real AstDB and is read back by a new xivo-ctid."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import pytest_twisted
import yaml
from twisted.internet import reactor, threads
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from testing.daemons import Daemon, free_port, health
from testing.waiting import wait_until
from tests.e2e.test_cti_server import IDS, CTIClient, users_file
from xivo_cti.ami import AMIActionError, AMIProtocol

pytestmark = pytest.mark.e2e

FAMILY = "xivo-features/2002"  # bob's extension


class Ctid:
    """A ``twistd xivo-ctid`` connected to the rig's AMI, its CTI port open."""

    def __init__(self, asterisk, directory: Path) -> None:
        directory.mkdir()
        self.port, http = free_port(), free_port()
        self.secret = asterisk.ami_secret
        config = {
            "ami": {"host": asterisk.ami_host, "port": asterisk.ami_port,
                    "username": asterisk.ami_username, "secret": asterisk.ami_secret},
            "cti": {"address": "127.0.0.1", "port": self.port},
            "http": {"address": "127.0.0.1", "port": http},
            "users_file": str(users_file(directory / "users.yml")),
        }  # fmt: skip
        self.daemon = Daemon("xivo-ctid", yaml.safe_dump(config), directory)
        self.daemon.wait_port(self.port)
        wait_until(lambda: health(http)[0] == 200, timeout=20.0, what="AMI connected")

    def stop(self) -> str:
        """Stop the daemon; its log, checked for tracebacks and the AMI secret."""
        self.daemon.stop()
        output = self.daemon.output()
        assert "Traceback" not in output and self.secret not in output, output
        return output


def bob_status(client: CTIClient, commandid: int) -> dict:
    """bob's users status, asked with getlist."""
    client.send(**{"class": "getlist", "function": "updatestatus", "listname": "users",
                   "tipbxid": "xivo", "tid": IDS["bob"], "commandid": commandid})  # fmt: skip
    return client.reply(commandid)["status"]


def set_dnd(port: int) -> None:
    """Log in as bob and turn DND on."""
    bob = CTIClient(port)
    try:
        bob.login("bob")
        bob.send(**{"class": "featuresput", "function": "enablednd", "value": True,
                    "commandid": 10})  # fmt: skip
        assert bob.reply(10)["status"] == "OK"
        assert bob_status(bob, 11)["enablednd"] is True
    finally:
        bob.close()


def dnd_seen_after_login(port: int, timeout: float = 10.0) -> bool:
    """Log in as bob; whether his status shows DND on within ``timeout``."""
    bob = CTIClient(port)
    try:
        bob.login("bob")
        deadline = time.monotonic() + timeout
        for commandid in range(20, 10_000):
            if bob_status(bob, commandid)["enablednd"] is True:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return False
    finally:
        bob.close()


async def del_tree(ami: AMIProtocol) -> None:
    """Remove bob's features from the AstDB (none stored is fine)."""
    try:
        await ami.send_action("DBDelTree", {"Family": FAMILY})
    except AMIActionError:
        pass


@pytest_twisted.ensureDeferred
async def test_dnd_read_back_from_astdb_after_ctid_restart(asterisk, tmp_path):
    """DND set over CTI is stored in the AstDB and shown by a newly started xivo-ctid."""
    endpoint = TCP4ClientEndpoint(reactor, asterisk.ami_host, asterisk.ami_port)
    ami = await connectProtocol(endpoint, AMIProtocol(reactor))
    await ami.login(asterisk.ami_username, asterisk.ami_secret, events="off")
    await del_tree(ami)
    try:
        first = await threads.deferToThread(Ctid, asterisk, tmp_path / "first")
        try:
            await threads.deferToThread(set_dnd, first.port)
        finally:
            await threads.deferToThread(first.stop)
        _response, items = await ami.send_action_list(
            "DBGet", {"Family": FAMILY, "Key": "enablednd"}
        )
        assert [item["Val"] for item in items] == ["1"]

        second = await threads.deferToThread(Ctid, asterisk, tmp_path / "second")
        try:
            assert await threads.deferToThread(dnd_seen_after_login, second.port)
        finally:
            log = await threads.deferToThread(second.stop)
        assert "AstDB features read back: 1 extension(s)" in log
    finally:
        await del_tree(ami)
        ami.transport.loseConnection()
