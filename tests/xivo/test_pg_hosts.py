"""Tests for xivo.pg_hosts: host names resolved before libpq sees them."""

import socket

import psycopg2
import psycopg2.extensions
import pytest
from twisted.internet.defer import fail, succeed

from xivo.pg_hosts import with_host_addresses


def resolver(table):
    asked = []

    def resolve(host):
        asked.append(host)
        if host not in table:
            return fail(socket.gaierror(-2, "Name or service not known"))
        return succeed(table[host])

    resolve.asked = asked
    return resolve


def result(d):
    out = []
    d.addBoth(out.append)
    return out[0]


@pytest.mark.parametrize(
    "dsn",
    [
        "dbname=xivo host=/var/run/postgresql",
        "dbname=xivo",
        "host=127.0.0.1 port=5432 dbname=xivo",
        "host=::1 dbname=xivo",
        "host=db.example.com hostaddr=192.0.2.7 dbname=xivo",
    ],
)
def test_nothing_to_resolve_leaves_the_string_as_it_is(dsn):
    """Socket directories, the default, IP addresses and a given hostaddr: no lookup."""
    resolve = resolver({})
    assert result(with_host_addresses(dsn, resolve)) == dsn and resolve.asked == []


def test_a_name_gets_its_addresses_in_order_each_an_entry():
    """A name with two addresses becomes two entries of the same host and port, each with
    its hostaddr; the other keys (password included) are kept."""
    resolve = resolver({"db.example.com": ["2001:db8::5", "192.0.2.5"]})
    dsn = "host=db.example.com port=6432 dbname=xivo user=agid password='s e'"
    params = psycopg2.extensions.parse_dsn(result(with_host_addresses(dsn, resolve)))
    assert params["host"] == "db.example.com,db.example.com"
    assert params["hostaddr"] == "2001:db8::5,192.0.2.5"
    assert params["port"] == "6432"
    assert (params["dbname"], params["user"], params["password"]) == ("xivo", "agid", "s e")


def test_several_hosts_keep_their_own_ports_and_addresses():
    """In a host list, names are resolved, the others get an empty hostaddr (libpq then
    uses the host as it is), and a port list follows the entries."""
    resolve = resolver({"a.example": ["192.0.2.1"], "b.example": ["192.0.2.2", "192.0.2.3"]})
    dsn = "host=a.example,/run/pg,b.example port=1,2,3 dbname=x"
    params = psycopg2.extensions.parse_dsn(result(with_host_addresses(dsn, resolve)))
    assert params["host"] == "a.example,/run/pg,b.example,b.example"
    assert params["hostaddr"] == "192.0.2.1,,192.0.2.2,192.0.2.3"
    assert params["port"] == "1,2,3,3"


def test_an_unknown_name_fails_like_libpq_without_the_password():
    """A name that does not resolve fails with libpq's kind of error naming the host."""
    failure = result(with_host_addresses("host=nowhere.invalid password=S3cret", resolver({})))
    assert failure.check(psycopg2.OperationalError)
    message = failure.getErrorMessage()
    assert 'could not translate host name "nowhere.invalid"' in message
    assert "S3cret" not in message


def test_a_string_libpq_refuses_fails_with_its_error():
    """A connection string that does not parse fails (not raises) with libpq's error."""
    failure = result(with_host_addresses("postgresql://u:S3cret@[::1/x", resolver({})))
    assert failure.check(psycopg2.ProgrammingError) and "invalid dsn" in failure.getErrorMessage()
