"""Integration: the ldap source against a real OpenLDAP slapd started by the tests."""

import os
import time

import pytest
import pytest_twisted
from twisted.internet import protocol, reactor

from testing.services.postgres import free_port
from testing.services.slapd import SlapdServer
from testing.waiting import eventually
from xivo_agid.config import build_config
from xivo_agid.directory._numbers import caller_number
from xivo_agid.directory._service import DirectoryService
from xivo_agid.metrics import AgidMetrics


def config(uri, base_dn, bind_dn="", bind_password="", timeout=0.5):
    return build_config(
        {
            "reverse_lookup": {"sources": ["ldap_corp"], "timeout": timeout},
            "cache": {"ttl": 0, "size": 0},
            "sources": {
                "ldap_corp": {
                    "type": "ldap",
                    "uri": uri,
                    "base_dn": base_dn,
                    "bind_dn": bind_dn,
                    "bind_password": bind_password,
                    "first_matched_columns": ["telephoneNumber", "mobile"],
                    "format_columns": {"reverse": "{cn}"},
                    "timeout": 0.3,
                }
            },
        }
    )


def server_config(server, **kw):
    return config(server.uri, server.people_dn, server.bind_dn, server.bind_password, **kw)


async def lookup(service, number):
    return await service.lookup_service.lookup(caller_number(number, "FR"))


@pytest.fixture(scope="module")
def people(slapd_server):
    slapd_server.add_person("it-alice", "Alice Martin", "Martin", telephoneNumber="+33123456789")
    slapd_server.add_person("it-bob", "Bob Durand", "Durand", mobile="06 12 34 56 78")
    return slapd_server


@pytest_twisted.ensureDeferred
async def test_finds_people_by_phone_and_mobile(people):
    """Entries are found by telephoneNumber or mobile, and the connection is reused."""
    service = DirectoryService(server_config(people), reactor, AgidMetrics())
    service.startService()
    try:
        alice = await lookup(service, "01 23 45 67 89")
        bob = await lookup(service, "+33612345678")
        nobody = await lookup(service, "0999999999")
        again = await lookup(service, "0123456789")
        clients = service.sources[0]._connection._client
    finally:
        await service.stopService()
    assert (alice.name, alice.source) == ("Alice Martin", "ldap_corp")
    assert bob.name == "Bob Durand"
    assert nobody is None
    assert again.name == "Alice Martin"
    assert clients is not None


@pytest_twisted.ensureDeferred
async def test_filter_syntax_in_a_number_is_literal(people):
    """A number of '*' or '*)(cn=*' matches nothing instead of every entry."""
    service = DirectoryService(server_config(people), reactor, AgidMetrics())
    service.startService()
    try:
        injected = await lookup(service, "*)(cn=*")
    finally:
        await service.stopService()
    assert injected is None


@pytest_twisted.ensureDeferred
async def test_wrong_password_fails_open(people):
    """A bind refused by the server gives None, not an error."""
    cfg = config(people.uri, people.people_dn, people.bind_dn, "wrong")
    service = DirectoryService(cfg, reactor, AgidMetrics())
    service.startService()
    try:
        assert await lookup(service, "0123456789") is None
    finally:
        await service.stopService()


@pytest_twisted.ensureDeferred
async def test_host_up_but_slapd_down_answers_within_the_deadline():
    """With nothing listening on the LDAP port, lookups answer None without hanging."""
    service = DirectoryService(
        config(f"ldap://127.0.0.1:{free_port()}", "dc=x"), reactor, AgidMetrics()
    )
    service.startService()
    try:
        for _ in range(3):
            began = time.monotonic()
            assert await lookup(service, "0123456789") is None
            assert time.monotonic() - began < 2.0
    finally:
        await service.stopService()


@pytest_twisted.ensureDeferred
async def test_slapd_restart_is_survived():
    """After slapd stops and starts again, lookups find names again."""
    if not SlapdServer.available() and os.environ.get("CI") != "true":
        pytest.skip("slapd not installed")
    server = SlapdServer()
    server.start()
    service = None
    try:
        server.add_base()
        server.add_person("alice", "Alice Martin", "Martin", telephoneNumber="+33123456789")
        service = DirectoryService(server_config(server), reactor, AgidMetrics())
        service.startService()
        assert (await lookup(service, "0123456789")).name == "Alice Martin"
        server.stop()
        assert await lookup(service, "0123456789") is None
        server.start()
        contact = await eventually(lambda: lookup(service, "0123456789"), timeout=4.0)
        assert contact.name == "Alice Martin"
    finally:
        if service is not None:
            await service.stopService()
        server.destroy()


class Silent(protocol.Protocol):
    """Accepts a connection and never answers."""


@pytest_twisted.ensureDeferred
async def test_server_that_never_answers_gives_none_by_the_deadline():
    """An 'LDAP server' that accepts TCP and stays silent cannot hold a lookup."""
    port = reactor.listenTCP(0, protocol.Factory.forProtocol(Silent), interface="127.0.0.1")
    uri = f"ldap://127.0.0.1:{port.getHost().port}"
    service = DirectoryService(config(uri, "dc=x", "cn=a", "b"), reactor, AgidMetrics())
    service.startService()
    try:
        began = time.monotonic()
        assert await lookup(service, "0123456789") is None
        assert time.monotonic() - began < 2.0
    finally:
        await service.stopService()
        await port.stopListening()
