"""Integration: the real ``twistd xivo-ctid`` against a scripted Wazo Client 18.01.

The scripted client (``desktop_client.py``) sends what the real one sends at login, in its
order and shape, and checks each answer; these tests check what the real client reads out
of them (panels, presences, lists) with encryption off and on, TLS configured or not, the
2.2 login of older clients, and the error ids the client turns into a sentence.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from OpenSSL import crypto
from twisted.internet import ssl

from testing.daemons import Daemon, free_port
from tests.integration.desktop_client import DesktopClient, LoginRefused

# The sample users (xivo_cti/data/users.yml): alice supervisor, bob agent, carol user.
PASSWORD = {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret"}


def write_certificate(directory: Path) -> str:
    key = ssl.KeyPair.generate(size=2048)
    cert = key.selfSignedCert(1, CN="localhost")
    (directory / "cert.pem").write_bytes(cert.dump(crypto.FILETYPE_PEM))
    (directory / "key.pem").write_bytes(key.dump(crypto.FILETYPE_PEM))
    return f"tls: {{certificate: {directory}/cert.pem, key: {directory}/key.pem}}, "


@pytest.fixture(scope="module")
def servers(tmp_path_factory) -> Iterator[dict[str, int]]:
    """Two daemons: ``plain`` (no TLS) and ``tls`` (STARTTLS); AMI points nowhere."""
    ports = {}
    daemons = []
    for name in ("plain", "tls"):
        directory = tmp_path_factory.mktemp(name)
        tls = write_certificate(directory) if name == "tls" else ""
        ports[name] = free_port()
        config = (
            f"ami: {{host: 127.0.0.1, port: {free_port()}}}\n"
            f"cti: {{address: 127.0.0.1, port: {ports[name]}, {tls}}}\n"
            "http: {enabled: false}\n"
        )
        daemons.append(Daemon("xivo-ctid", config, directory))
    try:
        for daemon, port in zip(daemons, ports.values(), strict=True):
            daemon.wait_port(port)
        yield ports
    finally:
        for daemon in daemons:
            daemon.stop()


def logged_in(port: int, login: str, **options) -> tuple[DesktopClient, dict, dict]:
    client = DesktopClient(port, **options)
    client.connect()
    capas = client.login(login, PASSWORD[login])
    return client, capas, client.start(capas)


def test_wazo_client_18_logs_in_and_fills_its_window(servers):
    """Encryption off: the offer is ignored, the login goes through, the supervisor gets
    its panels and presences, every request sent at login is answered and every listed
    item gets its config and status (the client's "initialized")."""
    client, capas, answers = logged_in(servers["plain"], "alice", encryption=False)
    try:
        assert client.received[0]["class"] == "starttls"
        assert capas["appliname"] == "Supervisor" and capas["ipbxid"] == "xivo"
        names = [xlet[0] for xlet in capas["capaxlets"]]
        assert names[:5] == ["identity", "tabber", "people", "history", "features"]
        assert {"queues", "agents"} <= set(names)
        presences = capas["capas"]["userstatus"]
        assert presences["available"]["color"].startswith("#")
        assert "away" in presences["available"]["allowed"]
        assert capas["capas"]["phonestatus"]["0"]["color"]
        assert set(capas["capas"]["services"]) == {
            "incallfilter",
            "enablednd",
            "fwdunc",
            "fwdrna",
            "fwdbusy",
        }
        assert answers["getipbxlist"]["ipbxlist"] == ["xivo"]
        headers = answers["people_headers"]
        assert len(headers["column_headers"]) == len(headers["column_types"]) > 0
        assert answers["get_relations"]["data"]["user_id"] == int(capas["userid"])
        assert answers["people_favorites"]["results"] == []
        assert answers["history"]["history"] == []
        assert not [v for v in answers.values() if "error_string" in v], answers
        assert answers["getqueuesstats"]["stats"] == {}  # AMI down: no queue known
        (own,) = [m["data"] for m in client.received if m["class"] == "endpoint_status_update"]
        assert own == {"xivo_uuid": "xivo", "endpoint_id": 1, "status": -1}
        assert client.keepalive()["class"] == "keepalive"
        commandid = client.send(
            {"availstate": "away", "class": "availstate", "ipbxid": "xivo", "userid": "1"}
        )
        assert client.reply(commandid)["availstate"] == "away"
        pushes = [m for m in client.received if m.get("function") == "updatestatus"]
        assert pushes[-1]["status"]["availstate"] == "away"
    finally:
        client.close()


def test_encryption_on_against_a_server_without_tls(servers):
    """The client asks for STARTTLS, is told no, and logs in in clear text."""
    client, capas, answers = logged_in(servers["plain"], "carol", encryption=True)
    try:
        assert not client.encrypted
        assert client.received[1] == {"class": "starttls", "starttls": False,
                                      "timenow": client.received[1]["timenow"]}  # fmt: skip
        assert [x[0] for x in capas["capaxlets"]] == [
            "identity", "tabber", "people", "history", "features",
        ]  # fmt: skip
        assert "subscribetoqueuesstats" not in answers
    finally:
        client.close()


def test_encryption_on_with_starttls(servers):
    """With TLS configured the client upgrades after the offer; its repeated starttls is
    ignored and the whole login and list fetch run encrypted."""
    client, capas, answers = logged_in(servers["tls"], "bob", encryption=True)
    try:
        assert client.encrypted and client.received[1]["starttls"] is True
        assert capas["appliname"] == "Agent" and answers["getipbxlist"]["ipbxlist"] == ["xivo"]
        assert [m["class"] for m in client.received].count("starttls") == 2
    finally:
        client.close()


def test_encryption_off_against_a_tls_server(servers):
    """A client with encryption off still logs in (the offer is optional)."""
    client, capas, _ = logged_in(servers["tls"], "carol", encryption=False)
    try:
        assert not client.encrypted and capas["userid"] == "3"
    finally:
        client.close()


def test_xivoversion_22_login(servers):
    """A client up to 17.16 (xivoversion 2.2) is answered with xivoversion 2.2 and gets
    the same window."""
    client, capas, answers = logged_in(
        servers["plain"], "bob", encryption=False, version=("xivoversion", "2.2")
    )
    try:
        (login_id,) = [m for m in client.received if m["class"] == "login_id"]
        assert login_id["xivoversion"] == "2.2" and "wazoversion" not in login_id
        assert "queues" in [x[0] for x in capas["capaxlets"]]
        assert answers["history"]["class"] == "history"
    finally:
        client.close()


def contact_ids(client: DesktopClient, pattern: str) -> list[str]:
    """The chat window's recipient, from the contacts row as the client keeps it."""
    reply = client.ask({"class": "people_search", "pattern": pattern})
    (row,) = [r for r in reply["results"] if r["source"] != "personal"]
    return [row["relations"]["xivo_id"], row["relations"]["user_uuid"]]


def test_chitchat_both_ways(servers):
    """The contacts menu's "Send a message": alice (2.3) writes to bob (a 2.2 client),
    bob's window gets it from alice's ids and name, bob answers to those ids and alice
    gets it; a message to carol, not connected, comes back as a notice in her window."""
    alice, _, _ = logged_in(servers["plain"], "alice", encryption=False)
    bob, _, _ = logged_in(servers["plain"], "bob", encryption=False, version=("xivoversion", "2.2"))
    try:
        reply = alice.chat(contact_ids(alice, "bob"), "Lunch at <12>?", alias="Alice Martin")
        assert reply["class"] == "chitchat" and "error_string" not in reply, reply
        received = bob.wait(lambda m: m["class"] == "chitchat")
        assert received["alias"] == "Alice Martin" and received["text"] == "Lunch at &lt;12&gt;?"
        assert received["from"] == contact_ids(bob, "alice")
        reply = bob.chat(received["from"], "yes", alias="Bob Durand")
        assert "error_string" not in reply, reply
        answer = alice.wait(lambda m: m["class"] == "chitchat" and "from" in m)
        assert (answer["alias"], answer["text"]) == ("Bob Durand", "yes")
        assert answer["from"] == received["to"] and reply["to"] == received["from"]
        refused = alice.chat(contact_ids(alice, "carol"), "hi", alias="Alice Martin")
        assert refused["error_string"] == "user_offline"
        assert refused["text"] == "(not delivered: Carol Petit is not connected)"
    finally:
        alice.close()
        bob.close()


# What the 18.01 client sends in normal use after its start (docs/cti-protocol.md), in the
# shapes of its message factory and panels; ``{contact}`` is a personal contact's id.
EVERYDAY = [
    {"class": "availstate", "availstate": "away", "ipbxid": "xivo", "userid": "1"},
    {"class": "featuresput", "function": "enablednd", "value": True},
    {"class": "featuresput", "function": "incallfilter", "value": False},
    {"class": "featuresput", "function": "fwd", "value": {"destunc": "1234", "enableunc": True}},
    {"class": "ipbxcommand", "command": "dial", "destination": "1234"},
    {"class": "hangup"},
    {"class": "direct_transfer", "number": "1234"},
    {"class": "attended_transfer", "number": "1234"},
    {"class": "complete_transfer"},
    {"class": "cancel_transfer"},
    {"class": "answer", "unique_id": "1.1"},
    {"class": "people_search", "pattern": "bo"},
    {"class": "people_create_personal_contact",
     "contact_infos": {"firstname": "Jean", "lastname": "Dupont", "number": "0612345678"}},
    {"class": "people_personal_contacts"},
    {"class": "people_personal_contact_raw", "source": "personal", "source_entry_id": "{contact}"},
    {"class": "people_edit_personal_contact", "source": "personal",
     "source_entry_id": "{contact}", "contact_infos": {"firstname": "Jean", "number": "0612"}},
    {"class": "people_set_favorite", "source": "personal", "source_entry_id": "{contact}",
     "favorite": True},
    {"class": "people_favorites"},
    {"class": "people_export_personal_contacts_csv"},
    {"class": "people_import_personal_contacts_csv",
     "csv_contacts": "firstname,lastname,number\nAnne,Roy,0102\n"},
    {"class": "people_delete_personal_contact", "source": "personal",
     "source_entry_id": "{contact}"},
    {"class": "people_purge_personal_contacts"},
    {"class": "register_user_status_update", "user_ids": [["xivo", "2"]]},
    {"class": "register_agent_status_update", "agent_ids": [["xivo", 7]]},
    {"class": "register_endpoint_status_update", "endpoint_ids": [["xivo", 2]]},
    {"class": "history", "size": "8", "xuserid": "xivo/1"},
    {"class": "subscribe", "message": "queueentryupdate", "queueid": "support"},
    {"class": "getqueuesstats", "on": {"support": {"window": "3600", "xqos": "60"}}},
    {"class": "ipbxcommand", "command": "agentlogin", "agentphonenumber": "1001"},
    {"class": "ipbxcommand", "command": "agentlogout", "agentids": "xivo/7"},
    {"class": "ipbxcommand", "command": "queuepause", "member": "agent:xivo/7",
     "queue": "queue:xivo/all"},
    {"class": "ipbxcommand", "command": "queueunpause", "member": "agent:xivo/7",
     "queue": "queue:xivo/support"},
    {"class": "ipbxcommand", "command": "queueadd", "member": "agent:xivo/7",
     "queue": "queue:xivo/support"},
    {"class": "ipbxcommand", "command": "queueremove", "member": "agent:xivo/7",
     "queue": "queue:xivo/support"},
    {"class": "ipbxcommand", "command": "listen", "subcommand": "start", "destination": "xivo/7"},
    {"class": "chitchat", "to": ["xivo", "2"], "text": "hi", "alias": "Alice Martin"},
    {"class": "keepalive"},
]  # fmt: skip
ANSWER_CLASS = {
    "people_search": "people_search_result",
    "people_create_personal_contact": "people_personal_contact_created",
    "people_personal_contacts": "people_personal_contacts_result",
    "people_personal_contact_raw": "people_personal_contact_raw_result",
    "people_edit_personal_contact": "people_personal_contact_raw_update",
    "people_set_favorite": "people_favorite_update",
    "people_favorites": "people_favorites_result",
    "people_export_personal_contacts_csv": "people_export_personal_contacts_csv_result",
    "people_import_personal_contacts_csv": "people_import_personal_contacts_csv_result",
    "people_delete_personal_contact": "people_personal_contact_deleted",
    "people_purge_personal_contacts": "people_personal_contacts_purged",
}


def test_every_everyday_class_gets_an_answer(servers):
    """Each class the client sends in normal use (a supervisor, every panel) is answered
    in the class the client listens to; none is ``unknown_class`` (AMI is down and there
    are no queues here: the commands that need them answer that; tests/e2e drives them
    against Asterisk)."""
    client, _, _ = logged_in(servers["plain"], "alice", encryption=False)
    try:
        contact = ""
        for message in EVERYDAY:
            message = {k: contact if v == "{contact}" else v for k, v in message.items()}
            reply = client.ask(message)
            assert reply.get("error_string") not in ("unknown_class", "internal_error"), reply
            assert reply["class"] == ANSWER_CLASS.get(message["class"], message["class"]), reply
            if reply["class"] == "people_personal_contacts_result":
                (row,) = reply["results"]
                contact = row["relations"]["source_entry_id"]
        assert contact, "no personal contact was created"
    finally:
        client.close()


def test_errors_the_client_shows(tmp_path):
    """Wrong version, wrong password and a blocked address answer the ids the client
    turns into a sentence (version mismatch, wrong login/password, auth server refusal)."""
    port = free_port()
    config = (
        f"ami: {{host: 127.0.0.1, port: {free_port()}}}\n"
        f"cti: {{address: 127.0.0.1, port: {port}, failed_login_delay: 0.2,"
        " max_login_failures_per_address: 3}\n"
        "http: {enabled: false}\n"
    )
    daemon = Daemon("xivo-ctid", config, tmp_path)
    try:
        daemon.wait_port(port)
        client = DesktopClient(port, encryption=False, version=("wazoversion", "2.4"))
        with pytest.raises(LoginRefused, match=r"^wazoversion_client:2\.4;2\.3$"):
            client.login("alice", "x")
        client.sock.close()
        for attempt in range(4):
            client = DesktopClient(port, encryption=False)
            started = time.monotonic()
            expected = "login_password" if attempt < 3 else "xivo_auth_error"
            with pytest.raises(LoginRefused, match=f"^{expected}$"):
                client.login("alice", "wrong" if attempt < 3 else PASSWORD["alice"])
            if attempt < 3:
                assert time.monotonic() - started >= 0.2  # failed_login_delay
            client.sock.close()
    finally:
        daemon.stop()


def test_server_at_its_limit(tmp_path):
    """Past max_connections_per_address the client reads toomuchusers:<limit>;<limit>
    ("Max number (1) of clients already reached.") before the line closes."""
    port = free_port()
    config = (
        f"ami: {{host: 127.0.0.1, port: {free_port()}}}\n"
        f"cti: {{address: 127.0.0.1, port: {port}, max_connections_per_address: 1}}\n"
        "http: {enabled: false}\n"
    )
    daemon = Daemon("xivo-ctid", config, tmp_path)
    try:
        daemon.wait_port(port)
        for _ in range(50):  # until wait_port's probe connection is uncounted
            first = DesktopClient(port, encryption=True)
            if first.next()["class"] == "starttls":
                break
            first.sock.close()
            time.sleep(0.1)
        assert first.received[-1]["class"] == "starttls"
        second = DesktopClient(port, encryption=True)
        refusal = second.next()
        assert (refusal["class"], refusal["error_string"]) == ("login_id", "toomuchusers:1;1")
        assert second.sock.recv(100) == b""
        first.sock.close()
    finally:
        daemon.stop()
