"""Tests for xivo_agid.directory._ldap_client, over a memory reactor and StringTransport."""

import pytest
from ldaptor.protocols import pureber, pureldap
from twisted.internet.address import IPv4Address
from twisted.internet.error import ConnectionRefusedError
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure

from xivo_agid.directory._ldap_client import LdapConnection, parse_ldap_uri
from xivo_agid.directory._source import SourceUnavailable

DECODER = pureldap.LDAPBERDecoderContext_TopLevel(
    inherit=pureldap.LDAPBERDecoderContext_LDAPMessage(
        fallback=pureldap.LDAPBERDecoderContext(fallback=pureber.BERDecoderContext()),
        inherit=pureldap.LDAPBERDecoderContext(fallback=pureber.BERDecoderContext()),
    )
)


def sent_messages(transport):
    data, messages = transport.value(), []
    while data:
        message, used = pureber.berDecodeObject(DECODER, data)
        messages.append(message)
        data = data[used:]
    transport.clear()
    return messages


def reply(protocol, message_id, op):
    protocol.dataReceived(pureldap.LDAPMessage(op, id=message_id).toWire())


def make():
    reactor = MemoryReactorClock()
    conn = LdapConnection(
        "ldap://ldap.example:1389",
        bind_dn="cn=admin,dc=example",
        bind_password="secret",
        reactor=reactor,
        connect_timeout=0.3,
    )
    return reactor, conn


def accept(reactor, index=0):
    host, port, factory, timeout, _bind = reactor.tcpClients[index]
    protocol = factory.buildProtocol(IPv4Address("TCP", host, port))
    transport = StringTransport()
    protocol.makeConnection(transport)
    return protocol, transport, (host, port, timeout), factory


def request():
    return pureldap.LDAPSearchRequest(baseObject="dc=example", filter=pureldap.LDAPFilterMatchAll)


def test_parse_ldap_uri():
    """ldap://host[:port] gives host and port (389 by default); other schemes are refused."""
    assert parse_ldap_uri("ldap://127.0.0.1:1389") == ("127.0.0.1", 1389)
    assert parse_ldap_uri("ldap://ldap.example") == ("ldap.example", 389)
    for bad in ["ldaps://x", "http://x", "ldap://", "ldap://x/dc=example"]:
        with pytest.raises(ValueError):
            parse_ldap_uri(bad)


def test_binds_then_searches_and_reuses_the_connection():
    """The first search connects (with connect_timeout) and binds; the next reuses it."""
    reactor, conn = make()
    out = []
    conn.search(request()).addBoth(out.append)
    protocol, transport, (host, port, timeout), _f = accept(reactor)
    assert (host, port, timeout) == ("ldap.example", 1389, 0.3)
    (bind,) = sent_messages(transport)
    assert isinstance(bind.value, pureldap.LDAPBindRequest)
    assert bind.value.dn == b"cn=admin,dc=example"
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=0))
    (search,) = sent_messages(transport)
    entry = pureldap.LDAPSearchResultEntry(objectName="uid=a", attributes=[("cn", ["Alice"])])
    reply(protocol, search.id, entry)
    reply(protocol, search.id, pureldap.LDAPSearchResultDone(resultCode=0))
    assert len(out[0]) == 1
    conn.search(request())
    assert len(reactor.tcpClients) == 1
    assert isinstance(sent_messages(transport)[0].value, pureldap.LDAPSearchRequest)


def test_bind_timeout_drops_a_silent_server():
    """A server that accepts TCP but never answers the bind is dropped after connect_timeout."""
    reactor, conn = make()
    out = []
    conn.search(request()).addBoth(out.append)
    protocol, transport, _addr, _f = accept(reactor)
    reactor.advance(0.3)
    assert transport.disconnecting
    protocol.connectionLost(Failure(ConnectionRefusedError()))
    assert out[0].check(SourceUnavailable)


def test_failed_bind_fails_the_search():
    """Wrong credentials fail the waiting searches."""
    reactor, conn = make()
    out = []
    conn.search(request()).addBoth(out.append)
    protocol, transport, _addr, _f = accept(reactor)
    (bind,) = sent_messages(transport)
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=49))
    assert isinstance(out[0], Failure)


def test_refused_connect_fails_fast_until_retry_delay():
    """After a refused connect, searches fail at once until retry_delay has passed."""
    reactor, conn = make()
    out = []
    conn.search(request()).addBoth(out.append)
    _h, _p, factory, _t, _b = reactor.tcpClients[0]
    factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))
    assert out[0].check(SourceUnavailable)
    again = []
    conn.search(request()).addBoth(again.append)
    assert again[0].check(SourceUnavailable)
    assert len(reactor.tcpClients) == 1
    reactor.advance(1.0)
    conn.search(request())
    assert len(reactor.tcpClients) == 2


def test_lost_connection_fails_pending_search_and_reconnects():
    """A search in flight fails when the connection drops; the next search reconnects."""
    reactor, conn = make()
    out = []
    conn.search(request()).addBoth(out.append)
    protocol, transport, _addr, _f = accept(reactor)
    (bind,) = sent_messages(transport)
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=0))
    protocol.connectionLost(Failure(ConnectionRefusedError()))
    assert isinstance(out[0], Failure)
    conn.search(request())
    assert len(reactor.tcpClients) == 2


def test_cancelled_search_ignores_the_late_answer():
    """Cancelling a search leaves the connection usable when the answer arrives later."""
    reactor, conn = make()
    d = conn.search(request())
    d.addErrback(lambda f: None)
    protocol, transport, _addr, _f = accept(reactor)
    (bind,) = sent_messages(transport)
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=0))
    (search,) = sent_messages(transport)
    d.cancel()
    reply(protocol, search.id, pureldap.LDAPSearchResultDone(resultCode=0))
    out = []
    conn.search(request()).addBoth(out.append)
    (second,) = sent_messages(transport)
    reply(protocol, second.id, pureldap.LDAPSearchResultDone(resultCode=0))
    assert out == [[]]


def test_connected_and_last_error_follow_the_connection():
    """last_error holds why the connect failed (not connected yet at first) and clears
    once a bind succeeds."""
    reactor, conn = make()
    assert (conn.connected, conn.last_error) == (False, "not connected yet")
    conn.search(request()).addErrback(lambda _: None)
    _h, _p, factory, _t, _b = reactor.tcpClients[0]
    factory.clientConnectionFailed(None, Failure(ConnectionRefusedError()))
    assert conn.last_error
    reactor.advance(1.0)
    conn.search(request())
    protocol, transport, _where, _f = accept(reactor, 1)
    (bind,) = sent_messages(transport)
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=0))
    assert (conn.connected, conn.last_error) == (True, None)


def test_failed_bind_never_shows_the_bind_password():
    """A bind refusal echoing the password (a hostile or careless server) is masked in the
    log, in last_error (what /health shows) and in the searches' failure."""
    from twisted.logger import capturedLogs

    from tests.logtext import log_text

    reactor, conn = make()
    out = []
    with capturedLogs() as events:
        conn.search(request()).addBoth(out.append)
        protocol, transport, _addr, _f = accept(reactor)
        (bind,) = sent_messages(transport)
        refusal = pureldap.LDAPBindResponse(resultCode=49, errorMessage="bad password: secret")
        reply(protocol, bind.id, refusal)
    assert isinstance(out[0], Failure)
    shown = "\n".join([log_text(events), conn.last_error, out[0].getErrorMessage()])
    assert "bad password" in shown and "secret" not in shown


def test_uri_with_credentials_is_refused_without_them():
    """Credentials belong in bind_dn/bind_password: a URI holding them is refused, masked."""
    with pytest.raises(ValueError) as info:
        parse_ldap_uri("ldap://admin:S3ntinel@ldap.example")
    assert "S3ntinel" not in str(info.value)


def test_probe_opens_the_connection_once():
    """probe() connects and binds with no search; while open or opening it does nothing."""
    reactor, conn = make()
    conn.probe()
    conn.probe()
    assert len(reactor.tcpClients) == 1
    protocol, transport, _where, _f = accept(reactor)
    (bind,) = sent_messages(transport)
    reply(protocol, bind.id, pureldap.LDAPBindResponse(resultCode=0))
    conn.probe()
    assert len(reactor.tcpClients) == 1 and (conn.connected, conn.last_error) == (True, None)
