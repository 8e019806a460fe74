"""End to end: plugin ``xivo`` serves FastAGI and CTI together against a real Asterisk.

One ``twistd -n xivo`` process, started with the README's defaults except its ports and
the AMI account of the test Asterisk, names incoming calls while a logged-in CTI client
watches its phone (the calls' Local/ device) ring and go idle again.
"""

from __future__ import annotations

import json

import pytest
import pytest_twisted
import yaml
from twisted.internet import reactor
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol
from twisted.protocols.basic import LineOnlyReceiver

from testing.calls import CallTracker
from testing.daemons import Daemon, free_port, health, http_get
from testing.waiting import eventually
from xivo_cti.users import hash_password

pytestmark = pytest.mark.e2e

EXTEN = "7001"
PASSWORD = "watch-s3cret"


class CTIClient(LineOnlyReceiver):
    """A XiVO CTI client that logs in and keeps every message it receives."""

    delimiter = b"\n"

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self._waiting: list[tuple[str, Deferred[dict]]] = []
        self._commandid = 0

    def lineReceived(self, line: bytes) -> None:
        message = json.loads(line)
        self.messages.append(message)
        for entry in list(self._waiting):
            if message.get("class") == entry[0]:
                self._waiting.remove(entry)
                entry[1].callback(message)

    def request(self, message: dict) -> Deferred[dict]:
        """Send ``message``; fires with the next message of the same class."""
        self._commandid += 1
        d: Deferred[dict] = Deferred()
        self._waiting.append((message["class"], d))
        self.sendLine(json.dumps({**message, "commandid": self._commandid}).encode())
        return d.addTimeout(15, reactor)

    async def login(self, login: str, password: str) -> dict:
        """The three login steps; returns the login_capas reply."""
        reply = await self.request(
            {"class": "login_id", "userlogin": login, "company": "default", "xivoversion": "2.3"}
        )
        assert "sessionid" in reply, reply
        reply = await self.request({"class": "login_pass", "password": password})
        assert reply.get("capalist") == [1], reply
        reply = await self.request({"class": "login_capas", "capaid": 1, "state": "available"})
        assert "error_string" not in reply, reply
        return reply

    def phone_channels(self, user_id: str) -> list[list[str]]:
        """The ``channels`` of every phones status push for ``user_id``, in order."""
        return [
            m["status"]["channels"]
            for m in self.messages
            if m.get("function") == "updatestatus"
            and m.get("listname") == "phones"
            and m.get("tid") == user_id
            and "channels" in m.get("status", {})
        ]


def _config(tmp_path, asterisk, ports: dict[str, int]) -> str:
    users = tmp_path / "users.yml"
    users.write_text(
        yaml.safe_dump(
            [
                {
                    "login": "watcher",
                    "fullname": "Switchboard Watcher",
                    "password_hash": hash_password(PASSWORD),
                    "line": f"Local/{EXTEN}@incoming",
                    "extension": EXTEN,
                    "context": "incoming",
                    "profile": "supervisor",
                }
            ]
        )
    )
    phonebook = tmp_path / "phonebook.csv"
    phonebook.write_text("firstname,lastname,number,mobile\nAlice,Martin,01 23 45 67 89,\n")
    config = {
        "listen": {"address": "127.0.0.1", "port": ports["agi"]},
        "sources": {
            "phonebook": {
                "type": "csv",
                "file": str(phonebook),
                "first_matched_columns": ["number", "mobile"],
                "format_columns": {"reverse": "{firstname} {lastname}"},
            }
        },
        "ami": {
            "host": asterisk.ami_host,
            "port": asterisk.ami_port,
            "username": asterisk.ami_username,
            "secret": asterisk.ami_secret,
        },
        "cti": {"address": "127.0.0.1", "port": ports["cti"]},
        "users_file": str(users),
        "http": {"address": "127.0.0.1", "port": ports["http"]},
    }
    return yaml.safe_dump(config)


def _ami_up(http_port: int) -> bool:
    """Whether /health reports AMI up (a connection reset while the daemon starts: not yet)."""
    try:
        return health(http_port)[1]["checks"]["ami"]["status"] == "up"
    except OSError:
        return False


@pytest_twisted.ensureDeferred
async def test_calls_named_while_a_cti_client_watches_them_ring(tmp_path, asterisk):
    """One xivo process names a call by FastAGI and pushes its phone status to CTI."""
    ports = {"agi": free_port(), "cti": free_port(), "http": free_port()}
    daemon = Daemon("xivo", _config(tmp_path, asterisk, ports), tmp_path)
    tracker = client = None
    try:
        for port in ports.values():
            await daemon.wait_port_async(port)
        await eventually(lambda: _ami_up(ports["http"]), timeout=20.0, what="AMI")
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", ports["cti"])
        client = await connectProtocol(endpoint, CTIClient())
        capas = await client.login("watcher", PASSWORD)
        user_id = str(capas["userid"])
        tracker = await CallTracker.connect(asterisk)

        await tracker.ami.originate(
            f"Local/{EXTEN}@incoming",
            application="Wait",
            data="0.1",
            callerid="<+33123456789>",
            variables={"AGIPORT": str(ports["agi"])},
        )
        await eventually(
            lambda: "AGISTATUS_SEEN" in tracker.variables[EXTEN],
            timeout=20.0,
            what="the call's outcome",
        )
        assert tracker.variables[EXTEN] == {
            "XIVO_RESULT_NAME": "Alice Martin",
            "XIVO_RESULT_NUM": "+33123456789",
            "AGISTATUS_SEEN": "SUCCESS",
        }
        await eventually(
            lambda: any(client.phone_channels(user_id)), timeout=20.0, what="a ringing phone push"
        )
        await eventually(
            lambda: client.phone_channels(user_id)[-1] == [],
            timeout=20.0,
            what="the phone back to idle",
        )

        report = health(ports["http"])[1]
        assert report["status"] == "up", report
        assert report["checks"]["directory.phonebook"]["numbers"] == 1
        _status, metrics = http_get(ports["http"], "/metrics")
        assert b'xivo_agid_requests_total{outcome="ok",script="callerid_lookup"} 1.0' in metrics
        assert b"xivo_ctid_ami_connected 1.0" in metrics
    finally:
        if client is not None:
            client.transport.loseConnection()
        if tracker is not None:
            tracker.close()
        await daemon.stop_async()
    log = daemon.output()
    assert asterisk.ami_secret not in log
    assert "Traceback" not in log, log
