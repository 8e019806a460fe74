"""CTI users read from a real PostgreSQL table through txpostgres (and from a frozen one)."""

from __future__ import annotations

import time

import pytest
import pytest_twisted
from twisted.internet import threads
from twisted.internet.defer import TimeoutError

from testing.frozen import ReactorStalls, frozen
from testing.services.postgres import PostgresCluster
from testing.waiting import eventually, sleep
from tests.xivo_cti.conftest import bcrypt_hash
from xivo_cti.users import InitialLoad, UsersDBConfig, make_user_store
from xivo_cti.users._hashing import verify_password
from xivo_cti.users._pgsource import PostgresSource

COLUMNS = "login text, password_hash text, line text, extension text, context text,"
COLUMNS += " profile text, fullname text, id text"


@pytest_twisted.ensureDeferred
async def test_users_load_verify_and_reload(postgres_server):
    """The table is loaded at start, a password verifies, a SIGHUP-style reload sees new rows."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t1")
    server.execute(f"CREATE TABLE cti_users_t1 ({COLUMNS})")
    server.execute(
        "INSERT INTO cti_users_t1 VALUES (%s, %s, 'PJSIP/alice', '2001', 'default',"
        " 'supervisor', 'Alice Martin', '1')",
        ("alice", bcrypt_hash("alice-pw")),
    )
    users = make_user_store("", UsersDBConfig(dsn=server.dsn, table="cti_users_t1"), reactor)
    assert users.get("alice") is None
    loader = InitialLoad(users.reload, reactor, retry=0.1)
    loader.startService()
    try:
        await eventually(lambda: users.get("alice") is not None)
        assert users.get("alice").fullname == "Alice Martin"
        stored = users.get("alice").password_hash
        assert verify_password(stored, "alice-pw") and not verify_password(stored, "wrong")
        server.execute(
            "INSERT INTO cti_users_t1 VALUES ('bob', %s, 'PJSIP/bob', '2002', NULL, NULL, NULL,"
            " '2')",
            (bcrypt_hash("bob-pw"),),
        )
        await users.reload()
        assert users.get("bob").profile.name == "user"  # NULL columns take defaults
    finally:
        loader.stopService()


@pytest_twisted.ensureDeferred
async def test_missing_table_is_retried_until_it_exists(postgres_server):
    """A table that is not there yet is retried; users appear once it is created."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t2")
    users = make_user_store("", UsersDBConfig(dsn=server.dsn, table="cti_users_t2"), reactor)
    loader = InitialLoad(users.reload, reactor, retry=0.1)
    loader.startService()
    try:
        await sleep(0.3)
        assert users.all() == []
        server.execute(f"CREATE TABLE cti_users_t2 ({COLUMNS})")
        server.execute(
            "INSERT INTO cti_users_t2 VALUES ('carol', %s, 'PJSIP/carol', '2003', NULL, 'user',"
            " NULL, '3')",
            (bcrypt_hash("carol-pw"),),
        )
        await eventually(lambda: users.get("carol") is not None)
    finally:
        loader.stopService()


@pytest_twisted.ensureDeferred
async def test_plaintext_password_in_the_table_is_refused(postgres_server):
    """A row whose password is not a hash fails the load with a clear error; nothing loaded."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t3")
    server.execute(f"CREATE TABLE cti_users_t3 ({COLUMNS})")
    server.execute(
        "INSERT INTO cti_users_t3 VALUES ('dave', 'secret', 'PJSIP/d', '2004', NULL, NULL,"
        " NULL, '4')"
    )
    users = make_user_store("", UsersDBConfig(dsn=server.dsn, table="cti_users_t3"), reactor)
    try:
        await users.reload()
    except Exception as e:
        assert "plaintext" in str(e)
    else:
        raise AssertionError("a plaintext password was accepted")
    assert users.get("dave") is None


@pytest_twisted.ensureDeferred
async def test_optional_agent_column(postgres_server):
    """An ``agent`` column (here an integer) gives the user its agent id; NULL none; a
    column xivo-ctid does not know is ignored; a bad agent id fails the load."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t4")
    server.execute(f"CREATE TABLE cti_users_t4 ({COLUMNS}, agent integer, note text)")
    for login, agent in (("erin", 7), ("frank", None)):
        server.execute(
            "INSERT INTO cti_users_t4 VALUES (%s, %s, 'PJSIP/x', '2005', NULL, 'agent', NULL,"
            " %s, %s, 'other data')",
            (login, bcrypt_hash("pw"), login, agent),
        )
    users = make_user_store("", UsersDBConfig(dsn=server.dsn, table="cti_users_t4"), reactor)
    await users.reload()
    assert (users.get("erin").agent, users.get("frank").agent) == ("7", "")
    assert users.get("erin").id == "erin"
    server.execute("UPDATE cti_users_t4 SET agent = -1 WHERE login = 'frank'")
    try:
        await users.reload()
    except Exception as e:
        assert "agent" in str(e)
    else:
        raise AssertionError("a bad agent id was accepted")


@pytest_twisted.ensureDeferred
async def test_optional_ipbx_column(postgres_server):
    """An ``ipbx`` column puts the user on that ipbx; NULL on the default one (an empty
    ``ipbx``); an id that cannot name an ipbx fails the load, and the users stay as they
    were."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t5")
    server.execute(f"CREATE TABLE cti_users_t5 ({COLUMNS}, ipbx text)")
    for login, ipbx in (("gina", "b"), ("hugo", None)):
        server.execute(
            "INSERT INTO cti_users_t5 VALUES (%s, %s, 'PJSIP/x', '2006', NULL, 'user', NULL,"
            " %s, %s)",
            (login, bcrypt_hash("pw"), login, ipbx),
        )
    users = make_user_store("", UsersDBConfig(dsn=server.dsn, table="cti_users_t5"), reactor)
    await users.reload()
    assert (users.get("gina").ipbx, users.get("hugo").ipbx) == ("b", "")
    server.execute("UPDATE cti_users_t5 SET ipbx = 'site b.1' WHERE login = 'hugo'")
    try:
        await users.reload()
    except Exception as e:
        assert "ipbx" in str(e)
    else:
        raise AssertionError("a bad ipbx id was accepted")
    assert users.get("hugo").ipbx == ""


@pytest_twisted.ensureDeferred
async def test_a_frozen_server_fails_the_load_by_its_deadline_and_the_retry_loads():
    """Every process of the server frozen: the load fails by its deadline with a clear
    error while the reactor keeps running (the connection is closed, never cancelled
    through libpq, which would hold the interpreter until the server woke); once the
    server wakes, the next load reads the table."""
    from twisted.internet import reactor

    cluster = PostgresCluster().init()
    await threads.deferToThread(cluster.start)
    try:
        cluster.execute(f"CREATE TABLE cti_users ({COLUMNS})")
        cluster.execute(
            "INSERT INTO cti_users VALUES ('dave', %s, 'PJSIP/dave', '2004', NULL, NULL, NULL,"
            " '4')",
            (bcrypt_hash("dave-pw"),),
        )
        source = PostgresSource(cluster.dsn, "cti_users", reactor, timeout=0.5)
        assert [u.login for u in await source.load()] == ["dave"]
        stalls = ReactorStalls()
        try:
            with frozen(cluster):
                began = time.monotonic()
                with pytest.raises(TimeoutError, match="no answer from the database in 0.5 s"):
                    await source.load()
                assert time.monotonic() - began < 1.5
        finally:
            assert stalls.stop() < 0.5
        assert [u.login for u in await source.load()] == ["dave"]
    finally:
        await threads.deferToThread(cluster.destroy)


@pytest_twisted.ensureDeferred
async def test_a_host_name_in_the_dsn_is_resolved_off_the_reactor(postgres_server):
    """``host=localhost``: the name is resolved in a thread, libpq gets the addresses, the
    table loads."""
    from twisted.internet import reactor

    server = postgres_server
    server.execute("DROP TABLE IF EXISTS cti_users_t6")
    server.execute(f"CREATE TABLE cti_users_t6 ({COLUMNS})")
    server.execute(
        "INSERT INTO cti_users_t6 VALUES ('erin', %s, 'PJSIP/erin', '2005', NULL, NULL, NULL, '5')",
        (bcrypt_hash("erin-pw"),),
    )
    dsn = server.dsn.replace("host=127.0.0.1", "host=localhost")
    source = PostgresSource(dsn, "cti_users_t6", reactor)
    assert [u.login for u in await source.load()] == ["erin"]
