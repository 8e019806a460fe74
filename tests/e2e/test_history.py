"""End-to-end: a call through the rig's Asterisk is in both users' history, with the caller
name Asterisk reported, and still there after xivo-ctid restarts.

erin clicks to dial frank (``ipbxcommand dial``): Asterisk rings erin's "phone"
(``Local/2101@hist_erin``, it answers), sets the caller name in ``[hist_dial]`` as the
AGI would, and dials frank's (``Local/2102@hist_frank``), which answers and hangs up after
two seconds.
"""

from __future__ import annotations

import time
from pathlib import Path

import bcrypt
import pytest
import yaml

from testing.daemons import BlockingCTIClient, Daemon, free_port, health

pytestmark = pytest.mark.e2e

USERS = [("erin", "Erin Lopez", "Local/2101@hist_erin", "2101", "hist_dial", "1"),
         ("frank", "Frank Moreau", "Local/2102@hist_frank", "2102", "hist_dial", "2"),
         ("ivan", "Ivan Roux", "Local/2109@hist_erin", "2109", "hist_dial", "3")]  # fmt: skip
SUPERVISORS = {"ivan"}
CALLER_NAME = "Erin from the directory"


def start(asterisk, directory: Path) -> tuple[Daemon, int]:
    """``twistd xivo-ctid`` on the rig's AMI, its state in ``directory/state``."""
    users = [{"login": login, "fullname": name, "line": line, "extension": ext,
              "context": context, "id": uid,
              "profile": "supervisor" if login in SUPERVISORS else "user",
              "password_hash": bcrypt.hashpw(f"{login}-pw".encode(),
                                             bcrypt.gensalt(rounds=4)).decode()}
             for login, name, line, ext, context, uid in USERS]  # fmt: skip
    (directory / "users.yml").write_text(yaml.safe_dump(users))
    cti, http = free_port(), free_port()
    config = {
        "ami": {"host": asterisk.ami_host, "port": asterisk.ami_port,
                "username": asterisk.ami_username, "secret": asterisk.ami_secret},
        "cti": {"address": "127.0.0.1", "port": cti},
        "http": {"address": "127.0.0.1", "port": http},
        "users_file": str(directory / "users.yml"),
        "userdata": {"flush_interval": 0.2},
    }  # fmt: skip
    daemon = Daemon("xivo-ctid", yaml.safe_dump(config), directory)
    daemon.wait_port(cti)
    daemon.wait_port(http)  # the operations port may open after the CTI one
    deadline = time.monotonic() + 20
    while health(http)[0] != 200:
        assert time.monotonic() < deadline, "AMI not connected"
        time.sleep(0.1)
    return daemon, cti


def history(port: int, login: str, uid: str) -> list[dict]:
    client = BlockingCTIClient(port)
    try:
        client.login(login)
        client.send(**{"class": "history", "size": "8", "xuserid": f"xivo/{uid}",
                       "commandid": 10})  # fmt: skip
        reply = client.reply(10)
        assert reply["class"] == "history", reply
        return reply["history"]
    finally:
        client.close()


def stop(daemon: Daemon, secret: str) -> None:
    daemon.stop()
    output = daemon.output()
    assert "Traceback" not in output and secret not in output, output


def wait_for_history(port: int, login: str, uid: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while not history(port, login, uid):
        assert time.monotonic() < deadline, f"the call never reached {login}'s history"
        time.sleep(0.5)


def test_call_in_both_histories_after_a_restart(asterisk, tmp_path):
    """Sent for erin (to 2102), received for frank from 2101 with the name set in the
    dialplan; the rows come back from the store after xivo-ctid restarted."""
    daemon, port = start(asterisk, tmp_path)
    try:
        erin = BlockingCTIClient(port)
        erin.login("erin")
        erin.send(**{"class": "ipbxcommand", "command": "dial", "destination": "2102",
                     "commandid": 7})  # fmt: skip
        assert erin.reply(7)["class"] == "dial_success"
        erin.close()
        wait_for_history(port, "frank", "2")
        wait_for_history(port, "erin", "1")
    finally:
        stop(daemon, asterisk.ami_secret)

    daemon, port = start(asterisk, tmp_path)
    try:
        [received] = history(port, "frank", "2")
        [sent] = history(port, "erin", "1")
    finally:
        stop(daemon, asterisk.ami_secret)
    assert (received["mode"], received["extension"], received["fullname"]) == (
        1,
        "2101",
        CALLER_NAME,
    ), received
    assert 1 <= received["duration"] <= 10, received
    assert (sent["mode"], sent["extension"]) == (0, "2102"), sent
    assert sent["calldate"] <= received["calldate"]


def test_sent_calls_that_reach_no_dial(asterisk, tmp_path):
    """erin clicks to dial 2103 (an application that names itself as connected line) and
    2104 (a number that fails with Congestion): neither reaches a Dial, both are sent
    calls with the number dialled; the application's with the name it gave."""
    daemon, port = start(asterisk, tmp_path)
    try:
        erin = BlockingCTIClient(port)
        erin.login("erin")
        for commandid, number in ((7, "2103"), (8, "2104")):
            erin.send(**{"class": "ipbxcommand", "command": "dial", "destination": number,
                         "commandid": commandid})  # fmt: skip
            assert erin.reply(commandid)["class"] == "dial_success"
        erin.close()
        deadline = time.monotonic() + 40
        while len(rows := history(port, "erin", "1")) < 2:
            assert time.monotonic() < deadline, rows
            time.sleep(0.5)
    finally:
        stop(daemon, asterisk.ami_secret)
    by_number = {row["extension"]: row for row in rows}
    assert set(by_number) == {"2103", "2104"}, rows
    assert all(row["mode"] == 0 for row in rows), rows
    assert by_number["2103"]["fullname"] == "Echo test", rows
    assert by_number["2104"]["fullname"] == "", rows


def support_stats(port: int) -> dict:
    """The queues panel's figures of queue ``support`` (window 3600 s, QoS 60 s), as ivan."""
    client = BlockingCTIClient(port)
    try:
        client.login("ivan")
        client.send(**{"class": "getqueuesstats", "commandid": 5,
                       "on": {"support": {"window": "3600", "xqos": "60"}}})  # fmt: skip
        return client.reply(5)["stats"]["support"]
    finally:
        client.close()


def test_queue_statistics_window_survives_a_restart(asterisk, tmp_path):
    """A caller answered in queue ``support`` counts in the window's rate, QoS and longest
    wait; after xivo-ctid restarted, the window still has it (kept in the store)."""
    daemon, port = start(asterisk, tmp_path)
    try:
        asterisk.cli("channel originate Local/5000@queue application Wait 5")
        deadline = time.monotonic() + 30
        while "Xivo-Rate" not in (stats := support_stats(port)):
            assert time.monotonic() < deadline, stats
            time.sleep(0.3)
        time.sleep(0.5)  # userdata.flush_interval: written
    finally:
        stop(daemon, asterisk.ami_secret)
    daemon, port = start(asterisk, tmp_path)
    try:
        deadline = time.monotonic() + 10
        while "Xivo-Rate" not in (after := support_stats(port)):
            assert time.monotonic() < deadline, after
            time.sleep(0.3)
    finally:
        stop(daemon, asterisk.ami_secret)
    for key in ("Xivo-Rate", "Xivo-Qos", "Xivo-Holdtime-max"):
        assert after[key] == stats[key], (stats, after)
    assert after["Xivo-Rate"] == 100, after
