"""Integration: the per-user data of the real ``twistd xivo-ctid`` outlives a restart.

A scripted Wazo Client 18.01 adds personal contacts (one by one and by CSV), stars a
colleague, then the daemon is stopped and started again on the same state directory
(the SQLite file) or the same PostgreSQL database (``users_db``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import psycopg2

from testing.daemons import Daemon, free_port
from tests.integration.desktop_client import DesktopClient
from tests.xivo_cti.conftest import bcrypt_hash

ANN = {"firstname": "Ann", "lastname": "Lee", "number": "0612", "mobile": "", "fax": "",
       "email": "ann@example.org", "company": "ACME"}  # fmt: skip
CSV = "firstname,lastname,number\r\nZoe,Martin,0700\r\nBad,Line,12ab\r\n"


def client(port: int, login: str, password: str) -> DesktopClient:
    c = DesktopClient(port, encryption=False)
    c.connect()
    c.start(c.login(login, password))
    return c


def fill(port: int, login: str, password: str) -> None:
    """Add two contacts (one from a CSV with a bad line) and star the colleague bob."""
    c = client(port, login, password)
    try:
        created = c.ask({"class": "people_create_personal_contact", "contact_infos": ANN})
        assert created["class"] == "people_personal_contact_created", created
        imported = c.ask({"class": "people_import_personal_contacts_csv", "csv_contacts": CSV})
        assert imported["created_count"] == 1, imported
        assert imported["failed"] == [{"line": 3, "errors": ["number: not a phone number"]}]
        bob = [r for r in c.ask({"class": "people_search", "pattern": "bob"})["results"]
               if r["source"] == "internal"]  # fmt: skip
        assert len(bob) == 1 and bob[0]["relations"]["user_uuid"], bob
        update = c.ask({"class": "people_set_favorite", "source": "internal",
                        "source_entry_id": bob[0]["relations"]["source_entry_id"],
                        "favorite": True})  # fmt: skip
        assert update["favorite"] is True, update
    finally:
        c.close()


def check(port: int, login: str, password: str) -> None:
    """What ``fill`` did is there: contacts, the search, the favourite, the export."""
    c = client(port, login, password)
    try:
        contacts = c.ask({"class": "people_personal_contacts"})["results"]
        assert sorted(r["column_values"][0] for r in contacts) == ["Ann Lee", "Zoe Martin"]
        found = c.ask({"class": "people_search", "pattern": "acme"})["results"]
        assert [r["column_values"][0] for r in found] == ["Ann Lee"]
        favorites = c.ask({"class": "people_favorites"})["results"]
        assert [(r["source"], r["column_values"][0]) for r in favorites] == [
            ("internal", "Bob Durand")
        ], favorites
        exported = c.ask({"class": "people_export_personal_contacts_csv"})["csv_contacts"]
        assert exported.startswith("firstname,lastname,number,mobile,fax,email,company\r\n")
        assert "Ann,Lee,0612,,,ann@example.org,ACME" in exported
    finally:
        c.close()


def run_twice(config: str, directory: Path, login: str, password: str) -> None:
    for step in (fill, check):
        port = free_port()
        daemon = Daemon("xivo-ctid", config.format(port=port), directory)
        try:
            daemon.wait_port(port)
            if "users_db" in config:  # the table is read once the daemon runs
                deadline = time.monotonic() + 20
                while "users reloaded" not in daemon.output():
                    assert time.monotonic() < deadline, daemon.output()
                    time.sleep(0.1)
            step(port, login, password)
        finally:
            daemon.stop()
        assert "Traceback" not in daemon.output(), daemon.output()


def test_sqlite_file_in_the_state_directory(tmp_path):
    """Without users_db the data is in <state directory>/userdata.sqlite3."""
    config = (f"ami: {{{{host: 127.0.0.1, port: {free_port()}}}}}\n"
              "cti: {{address: 127.0.0.1, port: {port}}}\nhttp: {{enabled: false}}\n")  # fmt: skip
    run_twice(config, tmp_path, "alice", "alice-secret")
    database = tmp_path / "state" / "userdata.sqlite3"
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM cti_personal_contacts").fetchone() == (2,)


def test_postgresql_when_users_come_from_it(postgres_server, tmp_path):
    """With users_db the data is in that database, tables created on first use."""
    server = postgres_server
    dbname = "userdata_daemon"
    server.execute(f"DROP DATABASE IF EXISTS {dbname}")
    server.execute(f"CREATE DATABASE {dbname}")
    dsn = server.dsn.replace("dbname=postgres", f"dbname={dbname}")
    records = [("alice", "Alice Martin", "1", "supervisor"), ("bob", "Bob Durand", "2", "user")]
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE cti_users (login text, password_hash text, line text, "
            "extension text, context text, profile text, fullname text, id text)"
        )
        for login, fullname, uid, profile in records:
            cur.execute("INSERT INTO cti_users VALUES (%s, %s, %s, %s, 'default', %s, %s, %s)",
                        (login, bcrypt_hash(f"{login}-pw"), f"PJSIP/{login}", f"200{uid}",
                         profile, fullname, uid))  # fmt: skip
    config = (f"ami: {{{{host: 127.0.0.1, port: {free_port()}}}}}\n"
              "cti: {{address: 127.0.0.1, port: {port}}}\nhttp: {{enabled: false}}\n"
              f"users_db: {{{{dsn: '{dsn}'}}}}\n")  # fmt: skip
    run_twice(config, tmp_path, "alice", "alice-pw")
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM cti_personal_contacts")
        assert cur.fetchone() == (2,)
    assert not (tmp_path / "state" / "userdata.sqlite3").exists()
