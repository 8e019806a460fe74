"""Integration: the postgresql source and the lookup service against a real PostgreSQL."""

import contextlib
import time

import psycopg2
import pytest
import pytest_twisted
from psycopg2.extensions import QueryCanceledError
from twisted.internet import defer, protocol, reactor, threads
from twisted.logger import capturedLogs

from testing.frozen import ReactorStalls, frozen
from testing.pg_directory import create_contacts
from testing.services.postgres import PostgresCluster
from testing.waiting import eventually, sleep
from tests.logtext import log_text
from xivo.config import build
from xivo_agid.config import build_config
from xivo_agid.directory._numbers import caller_number, number_candidates
from xivo_agid.directory._pg_connection import GIVE_UP
from xivo_agid.directory._pg_source import STATEMENT, PostgresSourceConfig, build_query
from xivo_agid.directory._service import DirectoryService
from xivo_agid.metrics import AgidMetrics

SCHEMA = """
DROP TABLE IF EXISTS {table};
CREATE TABLE {table} (id serial PRIMARY KEY, firstname text, lastname text,
                      number text, mobile text);
CREATE INDEX ON {table} (number);
CREATE INDEX ON {table} (mobile);
INSERT INTO {table} (firstname, lastname, number, mobile) VALUES
  ('Alice', 'Martin', '01 23 45 67 89', NULL),
  ('Bob', 'Durand', NULL, '+33612345678'),
  ('Carol', 'O''Brien', '0033478123456', NULL);
"""


def config(dsn, table="contacts", timeout=0.5, **extra):
    return build_config(
        {
            "reverse_lookup": {"sources": ["crm"], "timeout": timeout},
            "cache": {"ttl": 0, "size": 0},
            "sources": {
                "crm": {
                    "type": "postgresql",
                    "dsn": dsn,
                    "table": table,
                    "first_matched_columns": ["number", "mobile"],
                    "format_columns": {"reverse": "{firstname} {lastname}"},
                    "timeout": 0.3,
                    "concurrency": 2,
                    **extra,
                }
            },
        }
    )


async def lookup(service, number):
    return await service.lookup_service.lookup(caller_number(number, "FR"))


async def started(cfg):
    service = DirectoryService(cfg, reactor, AgidMetrics())
    service.startService()
    return service


@pytest_twisted.ensureDeferred
async def test_finds_numbers_in_every_stored_format(postgres_server):
    """Numbers stored with spaces, as E.164 or with 00 in one table are found from the
    caller's number (``number_format: any``, the default)."""
    postgres_server.execute(SCHEMA.format(table="contacts_it"))
    service = await started(config(postgres_server.dsn, table="contacts_it"))
    try:
        alice = await lookup(service, "+33123456789")
        bob = await lookup(service, "06 12 34 56 78")
        carol = await lookup(service, "0478123456")
        nobody = await lookup(service, "0999999999")
    finally:
        await service.stopService()
    assert (alice.name, alice.source) == ("Alice Martin", "crm")
    assert bob.name == "Bob Durand"
    assert carol.name == "Carol O'Brien"
    assert nobody is None


@pytest_twisted.ensureDeferred
async def test_a_source_stored_in_one_form_is_asked_for_that_form(postgres_server):
    """``e164`` finds the number stored as E.164 from any spelling of the caller's, not the
    one stored with spaces; ``as_dialled`` finds the number stored exactly as the caller ID
    arrives, and only that."""
    postgres_server.execute(SCHEMA.format(table="contacts_fmt"))
    table = "contacts_fmt"
    e164 = await started(config(postgres_server.dsn, table=table, number_format="e164"))
    dialled = await started(config(postgres_server.dsn, table=table, number_format="as_dialled"))
    try:
        bob = [await lookup(e164, n) for n in ("06 12 34 56 78", "+33612345678", "0612345678")]
        alice_e164 = await lookup(e164, "0123456789")
        alice_dialled = await lookup(dialled, "01 23 45 67 89")
        alice_respelt = await lookup(dialled, "0123456789")
    finally:
        await e164.stopService()
        await dialled.stopService()
    assert [c.name for c in bob] == ["Bob Durand"] * 3
    assert alice_e164 is None
    assert alice_dialled.name == "Alice Martin"
    assert alice_respelt is None


@pytest_twisted.ensureDeferred
async def test_hostile_number_is_only_a_parameter(postgres_server):
    """A number holding SQL finds nothing and changes nothing."""
    postgres_server.execute(SCHEMA.format(table="contacts_sql"))
    service = await started(config(postgres_server.dsn, table="contacts_sql"))
    try:
        result = await lookup(service, "'; DROP TABLE contacts_sql; --")
    finally:
        await service.stopService()
    assert result is None
    assert postgres_server.execute("SELECT count(*) FROM contacts_sql") == [(3,)]


@pytest_twisted.ensureDeferred
async def test_a_host_name_is_resolved_before_libpq_sees_it(postgres_server):
    """A DSN naming the server ``localhost`` (``::1``, where nothing listens, and
    ``127.0.0.1``): names are found, and libpq was handed the addresses (``hostaddr``), so
    it never resolved the name itself with the reactor held."""
    postgres_server.execute(SCHEMA.format(table="contacts_host"))
    dsn = postgres_server.dsn.replace("host=127.0.0.1", "host=localhost")
    service = await started(config(dsn, table="contacts_host"))
    try:
        alice = await lookup(service, "0123456789")
        used = [conn._conn.dsn for conn in service.sources[0].pool._idle]
    finally:
        await service.stopService()
    assert alice.name == "Alice Martin"
    assert used and all("host=localhost" in d and "hostaddr=" in d for d in used), used


@contextlib.asynccontextmanager
async def outage(**extra):
    """A PostgreSQL of the test's own (to stop or freeze) holding SCHEMA, and a service on
    it that named Alice: yields both; once the body is done and the server back, Alice
    is named again."""
    cluster = PostgresCluster().init()
    await threads.deferToThread(cluster.start)
    service = None
    try:
        cluster.execute(SCHEMA.format(table="contacts"))
        service = await started(config(cluster.dsn, **extra))
        assert (await lookup(service, "0123456789")).name == "Alice Martin"
        yield cluster, service
        contact = await eventually(lambda: lookup(service, "0123456789"), timeout=10.0)
        assert contact.name == "Alice Martin"
    finally:
        if service is not None:
            await service.stopService()
        await threads.deferToThread(cluster.destroy)


@pytest_twisted.ensureDeferred
async def test_database_outage_gives_no_name_then_names_come_back():
    """While the server is down lookups answer None within the deadline; after restart, names."""
    async with outage() as (cluster, service):
        await threads.deferToThread(cluster.stop)
        for _ in range(5):
            began = time.monotonic()
            assert await lookup(service, "0123456789") is None
            assert time.monotonic() - began < 2.0  # the 0.5 s deadline, with slack
        await threads.deferToThread(cluster.start)


@pytest_twisted.ensureDeferred
async def test_a_frozen_server_never_holds_the_reactor():
    """The server frozen in the middle of a lookup (SIGSTOP on every process of it: a
    paused VM, a cut network): the lookup gives None by its deadline while the reactor
    keeps running (libpq's cancel would hold the whole daemon until the server woke), the
    stuck connection is closed GIVE_UP s past the 0.3 s statement timeout, and names come
    back once it wakes."""
    async with outage(concurrency=1) as (cluster, service):
        stalls = ReactorStalls()
        try:
            with frozen(cluster, wake_after=GIVE_UP + 4), capturedLogs() as events:
                began = time.monotonic()
                assert await lookup(service, "0123456789") is None
                assert time.monotonic() - began < 2.0
                await sleep(0.3 + GIVE_UP + 0.5)
        finally:
            assert stalls.stop() < 0.5
        assert "unanswered 1.3 s after it was given up" in log_text(events)


@pytest_twisted.ensureDeferred
async def test_a_slow_query_is_stopped_by_the_server_on_the_same_connection(postgres_server):
    """Each pool connection runs with the source's timeout as ``statement_timeout``: a
    query that would take 5 s is stopped by the server at 0.3 s, and the connection
    stays in the pool."""
    view = create_contacts(postgres_server, 10, sleep=5.0)
    service = await started(config(postgres_server.dsn, table=view, concurrency=1))
    pool = service.sources[0].pool
    try:
        [(pid,)] = await pool.run_query("SELECT pg_backend_pid()", ())
        began = time.monotonic()
        with pytest.raises(QueryCanceledError):
            await pool.run_query(f"SELECT count(*) FROM {view}", ())
        assert time.monotonic() - began < 2.0
        [(again,)] = await pool.run_query("SELECT pg_backend_pid()", ())
    finally:
        await service.stopService()
    assert again == pid


DIRECTORY_ROWS = 20_000
"""A typical company directory: small enough that a sequential scan looks cheap."""


@pytest.fixture(scope="module")
def directory_table(postgres_server):
    """``contacts_20k``: E.164 numbers +33100000001..., one in ten with a mobile, indexed.

    Its first row holds, as a mobile, a number another row holds as its number.
    """
    postgres_server.execute(
        SCHEMA.format(table="contacts_20k")
        + f"""INSERT INTO contacts_20k (firstname, lastname, number, mobile)
        VALUES ('Mobile', 'Holder', NULL, '+33100000007');
        INSERT INTO contacts_20k (firstname, lastname, number, mobile)
        SELECT 'First' || i, 'Last' || i, '+33' || (100000000 + i),
               CASE WHEN i % 10 = 0 THEN '+336' || (10000000 + i) END
        FROM generate_series(1, {DIRECTORY_ROWS}) AS i;"""
    )
    postgres_server.execute("VACUUM ANALYZE contacts_20k")
    return "contacts_20k"


@pytest.mark.parametrize("plan", ["auto", "force_custom_plan", "force_generic_plan"])
def test_lookup_statement_uses_the_indexes_on_a_small_table(postgres_server, directory_table, plan):
    """After more than 5 runs, found or not, the source's own statement scans the indexes.

    With ``LIMIT 1`` in its subquery PostgreSQL chose a sequential scan of the whole
    table for a 20,000-row directory (milliseconds a lookup, the deadline missed under load).
    """
    crm = config(postgres_server.dsn, table=directory_table).sources["crm"]
    prepare, _columns = build_query(build(PostgresSourceConfig, crm))
    numbers = ["+33100000042", "0612345678", "+33199999999", "06 10 01 00 00"]
    batch = "\x1e".join("\x1f".join(number_candidates(n, "FR")) for n in numbers)
    conn = psycopg2.connect(postgres_server.dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET plan_cache_mode = {plan}")
            cur.execute(prepare)
            for _ in range(6):
                cur.execute(f"EXECUTE {STATEMENT}(%s)", (batch,))
            cur.execute(f"EXPLAIN EXECUTE {STATEMENT}(%s)", (batch,))
            explained = "\n".join(row[0] for row in cur.fetchall())
    finally:
        conn.close()
    assert "Seq Scan" not in explained, explained
    for column in ("number", "mobile"):
        assert f"Index Scan on {directory_table}_{column}_idx" in explained, explained


@pytest_twisted.ensureDeferred
async def test_lookups_on_a_small_indexed_table_are_named(postgres_server, directory_table):
    """Numbers found on either column, numbers missing, in one batch; number beats mobile."""
    service = await started(config(postgres_server.dsn, table=directory_table))
    try:
        numbers = ["+33100000042", "01 00 01 99 99", "+33610000030", "0799999999", "+33100000007"]
        found = await defer.gatherResults(
            [defer.ensureDeferred(lookup(service, n)) for n in numbers]
        )
    finally:
        await service.stopService()
    names = [contact and contact.name for contact in found]
    assert names == [
        "First42 Last42",
        "First19999 Last19999",
        "First30 Last30",
        None,
        "First7 Last7",
    ]


@pytest_twisted.ensureDeferred
async def test_the_statement_is_planned_once_at_connect(postgres_server, directory_table):
    """The pool's connection holds the lookup's generic plan before the first lookup and
    runs every batch on it, never planning it again (PostgreSQL's default re-plans it at
    every run)."""
    service = await started(config(postgres_server.dsn, table=directory_table, concurrency=1))
    pool = service.sources[0].pool
    plans = "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s"
    try:
        before = await pool.run_query(plans, (STATEMENT,))  # waits for the connection
        for _ in range(7):
            await lookup(service, "+33100000042")
        after = await pool.run_query(plans, (STATEMENT,))
    finally:
        await service.stopService()
    assert before == [(1, 0)]
    assert after == [(8, 0)]


@pytest_twisted.ensureDeferred
async def test_connection_terminated_by_the_server_is_replaced_quietly(
    postgres_server, directory_table
):
    """``pg_terminate_backend`` on the pool's idle connection: it is closed at once with
    one info line, the next lookup is named on a new connection, nothing else logged."""
    service = await started(config(postgres_server.dsn, table=directory_table, concurrency=1))
    pool = service.sources[0].pool
    try:
        with capturedLogs() as events:
            [(pid,)] = await pool.run_query("SELECT pg_backend_pid()", ())
            postgres_server.execute(f"SELECT pg_terminate_backend({pid})")
            await eventually(lambda: "database connection lost" in log_text(events))
            contact = await lookup(service, "+33100000042")
            [(new_pid,)] = await pool.run_query("SELECT pg_backend_pid()", ())
    finally:
        await service.stopService()
    assert contact.name == "First42 Last42" and new_pid != pid
    lost = [e for e in events if "connection lost" in log_text([e])]
    assert len(lost) == 1 and lost[0]["log_level"].name == "info"
    reasons = ("terminating connection", "server closed the connection")  # as libpq saw it
    assert any(reason in log_text(lost) for reason in reasons)
    assert not [e for e in events if e["log_level"].name in ("warn", "error", "critical")]


class Silent(protocol.Protocol):
    """Accepts a connection and never says anything."""


@pytest_twisted.ensureDeferred
async def test_server_that_never_answers_gives_none_by_the_deadline():
    """A 'database' that accepts TCP but never speaks cannot hold a lookup past the deadline."""
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Silent), interface="127.0.0.1")
    dsn = f"host=127.0.0.1 port={port.getHost().port} user=x dbname=x"
    service = await started(config(dsn))
    try:
        began = time.monotonic()
        assert await lookup(service, "0123456789") is None
        assert time.monotonic() - began < 2.0
    finally:
        await service.stopService()
        await port.stopListening()


def test_requires_a_source_table_name_that_is_an_identifier():
    """A table name with SQL in it is refused before anything connects."""
    with pytest.raises(Exception, match="sources.crm.table"):
        DirectoryService(config("dbname=x", table="x; DROP"), reactor, AgidMetrics())
