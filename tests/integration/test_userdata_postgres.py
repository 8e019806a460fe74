"""Integration: the per-user store on a real PostgreSQL, through txpostgres."""

from __future__ import annotations

import time

import pytest
import pytest_twisted
from twisted.internet import threads

from testing.frozen import ReactorStalls, frozen
from testing.services.postgres import PostgresCluster
from xivo_cti.state import QueueCallLeft
from xivo_cti.userdata import (
    Contact,
    HistoryRow,
    PostgresRunner,
    QueueOutcome,
    StoreError,
    UserDataStore,
)


def fresh_database(server, name: str) -> str:
    """A new empty database on the test cluster; its DSN."""
    server.execute(f"DROP DATABASE IF EXISTS {name}")
    server.execute(f"CREATE DATABASE {name}")
    return server.dsn.replace("dbname=postgres", f"dbname={name}")


def row(n: int) -> HistoryRow:
    return HistoryRow(login="alice", calldate=1000.0 + n, mode=n % 3, extension=f"{n}",
                      fullname="Zoé d'Arc", duration=n)  # fmt: skip


@pytest_twisted.ensureDeferred
async def test_tables_made_data_kept_across_connections(postgres_server):
    """The tables are created on first use; a new store on the database reads the same."""
    from twisted.internet import reactor

    dsn = fresh_database(postgres_server, "userdata_pg1")
    store = UserDataStore(PostgresRunner(dsn, reactor))
    await store.open()
    await store.add_history([row(n) for n in range(5)], keep=3)
    await store.save_contacts("alice", [Contact(id="c1", firstname="Ann", company="ACME")])
    await store.set_favorite("alice", "internal", "2", True)
    left = QueueCallLeft(queue="q", uniqueid="1.1", ended=5000.0, holdtime=3, answered=True)
    outcome = QueueOutcome(ipbx="xivo", left=left)
    await store.add_history([outcome, outcome], keep=3)  # a second node's copy is ignored
    await store.close()
    again = UserDataStore(PostgresRunner(dsn, reactor))
    assert [r.calldate for r in await again.history("alice", 10)] == [1004.0, 1003.0, 1002.0]
    assert (await again.history("alice", 1))[0] == row(4)
    assert await again.contacts("alice") == [Contact(id="c1", firstname="Ann", company="ACME")]
    assert await again.favorites("alice") == {("internal", "2")}
    assert await again.queue_outcomes(4000.0) == [outcome]
    await again.close()


@pytest_twisted.ensureDeferred
async def test_a_broken_connection_is_made_again(postgres_server):
    """After the server ended the session, the next plan fails and the one after works."""
    from twisted.internet import reactor

    dsn = fresh_database(postgres_server, "userdata_pg2")
    store = UserDataStore(PostgresRunner(dsn, reactor))
    await store.open()
    postgres_server.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = 'userdata_pg2' AND pid <> pg_backend_pid()"
    )
    with pytest.raises(StoreError):
        await store.history("alice", 5)
    await store.add_history([row(1)], keep=5)
    assert await store.history("alice", 5) == [row(1)]
    await store.close()


@pytest_twisted.ensureDeferred
async def test_errors_never_show_the_password(postgres_server):
    """A refused connection's error is a StoreError without the DSN's password."""
    from twisted.internet import reactor

    dsn = postgres_server.dsn.replace("user=postgres", "user=nobody password=s3cr3t-pw")
    store = UserDataStore(PostgresRunner(dsn, reactor))
    with pytest.raises(StoreError) as caught:
        await store.open()
    assert "s3cr3t-pw" not in str(caught.value)
    await store.close()


@pytest_twisted.ensureDeferred
async def test_a_frozen_server_fails_plans_by_their_deadline_then_they_work_again():
    """Every process of the server frozen: a plan on the open connection and a new
    runner's connection both fail with StoreError by the deadline while the reactor keeps
    running (connections closed, never cancelled through libpq), and so does a plan queued
    behind the first; once the server wakes, the next plan connects again and works."""
    from twisted.internet import reactor

    cluster = PostgresCluster().init()
    await threads.deferToThread(cluster.start)
    try:
        store = UserDataStore(PostgresRunner(cluster.dsn, reactor, timeout=0.5))
        await store.add_history([row(1)], keep=5)
        stalls = ReactorStalls()
        try:
            with frozen(cluster):
                fresh = PostgresRunner(cluster.dsn, reactor, timeout=0.5)
                began = time.monotonic()
                first, queued = store.history("alice", 5), store.history("bob", 5)
                for attempt in (first, fresh.open()):
                    with pytest.raises(StoreError, match="no answer from the database in 0.5 s"):
                        await attempt
                with pytest.raises(StoreError):  # its connection closed under it
                    await queued
                assert time.monotonic() - began < 1.5
        finally:
            assert stalls.stop() < 0.5
        assert await store.history("alice", 5) == [row(1)]
        await store.close()
    finally:
        await threads.deferToThread(cluster.destroy)


@pytest_twisted.ensureDeferred
async def test_a_host_name_in_the_dsn_is_resolved_off_the_reactor(postgres_server):
    """``host=localhost``: the name is resolved in a thread, libpq gets the addresses, the
    store works."""
    from twisted.internet import reactor

    dsn = fresh_database(postgres_server, "userdata_pg4").replace(
        "host=127.0.0.1", "host=localhost"
    )
    store = UserDataStore(PostgresRunner(dsn, reactor))
    await store.add_history([row(2)], keep=5)
    assert await store.history("alice", 5) == [row(2)]
    await store.close()
