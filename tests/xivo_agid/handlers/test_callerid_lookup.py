"""Tests of the callerid_lookup handler (fake session, and the real FastAGI protocol)."""

import subprocess
import sys

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport

from xivo_agid.config import FastAGIConfig
from xivo_agid.directory._cache import TTLCache
from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.fastagi import AGIHangup, FastAGIFactory
from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.handlers._callerid_lookup import (
    MAX_NAME_LENGTH,
    CallerIdLookup,
    display_name,
    needs_lookup,
)
from xivo_agid.metrics import AgidMetrics


class FakeSession:
    """Implements exactly the session API the handler uses; commands succeed at once."""

    def __init__(self, callerid="0123456789", calleridname="unknown", fail_with=None):
        self.env = AGIEnvironment(
            {
                "network_script": "callerid_lookup",
                "channel": "PJSIP/trunk-1",
                "uniqueid": "1700.1",
                "callerid": callerid,
                "calleridname": calleridname,
            }
        )
        self.hung_up = False
        self.variables = {}
        self.fail_with = fail_with

    def finish_with_variables(self, variables):
        if self.fail_with is not None:
            return fail(self.fail_with)
        self.variables.update(variables)
        return succeed(None)

    def get_variable(self, name):
        return succeed(self.variables.get(name))

    def verbose(self, message, level=1):
        return succeed(None)


class Source:
    """A source answering from a dict of canonical numbers, or hanging, or failing."""

    def __init__(self, entries=None, mode="answer"):
        self.name = "phonebook"
        self.entries = entries or {}
        self.mode = mode
        self.asked = []

    def lookup(self, candidates):
        self.asked.append(tuple(candidates))
        if self.mode == "hang":
            return Deferred()
        if self.mode == "fail":
            return fail(RuntimeError("database down"))
        for c in candidates:
            if c in self.entries:
                return succeed(Contact(name=self.entries[c], source=self.name))
        return succeed(None)


def make_handler(source, clock=None):
    clock = clock or Clock()
    guard = GuardedSource(source, timeout=0.3, concurrency=10, clock=clock)
    cache = TTLCache(ttl=0, size=0, clock=clock)
    service = ReverseLookupService(
        [guard], timeout=0.5, cache=cache, clock=clock, metrics=AgidMetrics()
    )
    return CallerIdLookup(service, "FR"), clock


def run(handler, session):
    done = maybeDeferred(handler, session)
    out = []
    done.addBoth(out.append)
    return out


def test_match_sets_name_and_source_never_the_number():
    """A match sets CALLERID(name) and XIVO_DIRECTORY_SOURCE, and nothing else."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice Martin"}))
    session = FakeSession(callerid="01 23 45 67 89")
    assert run(handler, session) == [None]
    assert session.variables == {
        "CALLERID(name)": "Alice Martin",
        "XIVO_DIRECTORY_SOURCE": "phonebook",
    }


@pytest.mark.parametrize("name", ["", "unknown", "UNKNOWN", "0123456789", "+33 1 23 45 67 89"])
def test_looks_up_when_the_name_is_no_real_name(name):
    """Empty, "unknown" or a number as the name triggers a lookup."""
    source = Source({"+33123456789": "Alice Martin"})
    handler, _clock = make_handler(source)
    session = FakeSession(calleridname=name)
    run(handler, session)
    assert session.variables["CALLERID(name)"] == "Alice Martin"


def test_keeps_an_existing_real_name():
    """A caller name that is a real name is kept, without any lookup."""
    source = Source({"+33123456789": "Alice Martin"})
    handler, _clock = make_handler(source)
    session = FakeSession(calleridname="Bob Trunk")
    run(handler, session)
    assert session.variables == {} and source.asked == []


@pytest.mark.parametrize("number", ["", "unknown", "  "])
def test_no_number_no_lookup(number):
    """An anonymous or empty caller number is not looked up."""
    source = Source()
    handler, _clock = make_handler(source)
    run(handler, FakeSession(callerid=number))
    assert source.asked == []


def test_no_match_changes_nothing():
    """No match: no variable is set."""
    handler, _clock = make_handler(Source())
    session = FakeSession()
    assert run(handler, session) == [None]
    assert session.variables == {}


def test_source_error_fails_open():
    """A failing source leaves the caller ID alone and the handler ends normally."""
    handler, _clock = make_handler(Source(mode="fail"))
    session = FakeSession()
    assert run(handler, session) == [None]
    assert session.variables == {}


def test_hung_source_fails_open_at_the_deadline():
    """A source that never answers ends the handler, with no change, by the deadline."""
    handler, clock = make_handler(Source(mode="hang"))
    session = FakeSession()
    out = run(handler, session)
    assert out == []
    clock.advance(0.5)
    assert out == [None] and session.variables == {}


def test_hung_up_session_fails_open():
    """If the channel hung up, nothing is set and the handler ends normally."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice"}))
    session = FakeSession()
    session.hung_up = True
    assert run(handler, session) == [None]
    assert session.variables == {}


def test_command_refused_fails_open():
    """A failing SET VARIABLE (hang-up during the command) does not fail the handler."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice"}))
    session = FakeSession(fail_with=AGIHangup("gone"))
    assert run(handler, session) == [None]


def test_display_name_is_sanitised():
    """CR, LF and other control characters go, spaces are squeezed, length is capped."""
    assert display_name('Eve\r\nSET VARIABLE "X" "Y"') == 'Eve SET VARIABLE "X" "Y"'
    assert display_name("A\x00\x1b[31m B\u2028C") == "A [31m B C"
    assert len(display_name("x" * 500)) == MAX_NAME_LENGTH
    assert display_name(" \t\n") == ""


def test_needs_lookup():
    """Only empty, unknown or number-like names need a lookup."""
    assert needs_lookup("", "100")
    assert needs_lookup("100", "100")
    assert needs_lookup("(01) 23-45", "0123")
    assert not needs_lookup("Alice", "100")


def test_injected_name_goes_out_as_one_command_on_the_wire():
    """Through the real protocol, a name holding a newline and quotes stays one escaped
    argument; both variables go in one EXEC MSet, the last step: the connection closes
    as soon as it is written, without waiting for Asterisk's reply."""
    handler, clock = make_handler(Source({"+33123456789": 'Eve "The"\nHacker\\'}))
    factory = FastAGIFactory({"callerid_lookup": handler}, FastAGIConfig(), clock, AgidMetrics())
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(
        b"agi_network: yes\nagi_network_script: callerid_lookup\nagi_channel: PJSIP/t-1\n"
        b"agi_uniqueid: 1.1\nagi_callerid: +33123456789\nagi_calleridname: unknown\n\n"
    )
    assert transport.value() == (
        b'EXEC "MSet" "CALLERID\\\\(name\\\\)=Eve \\\\\\"The\\\\\\" Hacker\\\\\\\\,'
        b'XIVO_DIRECTORY_SOURCE=phonebook"\n'
    )
    assert transport.disconnecting


def test_a_name_holding_a_dollar_goes_in_two_set_variables():
    """``$`` could be substituted in EXEC data: that name goes by SET VARIABLE, then the
    source after the name's reply; the connection closes once the source is written."""
    handler, clock = make_handler(Source({"+33123456789": "Ca$h ${EXTEN}"}))
    factory = FastAGIFactory({"callerid_lookup": handler}, FastAGIConfig(), clock, AgidMetrics())
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(
        b"agi_network: yes\nagi_network_script: callerid_lookup\nagi_channel: PJSIP/t-1\n"
        b"agi_uniqueid: 1.1\nagi_callerid: +33123456789\nagi_calleridname: unknown\n\n"
    )
    assert transport.value() == b'SET VARIABLE "CALLERID(name)" "Ca$h ${EXTEN}"\n'
    transport.clear()
    protocol.dataReceived(b"200 result=1\n")
    assert transport.value() == b'SET VARIABLE "XIVO_DIRECTORY_SOURCE" "phonebook"\n'
    assert transport.disconnecting


def test_hangup_during_lookup_over_the_protocol_closes_cleanly():
    """A HANGUP line while the lookup runs: nothing is written and the session closes."""
    source = Source(mode="hang")
    handler, clock = make_handler(source)
    factory = FastAGIFactory({"callerid_lookup": handler}, FastAGIConfig(), clock, AgidMetrics())
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(
        b"agi_network: yes\nagi_network_script: callerid_lookup\nagi_callerid: 0123456789\n\n"
    )
    protocol.dataReceived(b"HANGUP\n")
    clock.advance(0.5)
    assert transport.value() == b""
    assert transport.disconnecting


def test_default_country_data_is_loaded_when_set_not_on_the_first_call():
    """The handler loads its country's numbering data when built and when the country
    changes (a reload), so the first caller does not wait for ``phonenumbers`` to read it."""
    script = (
        "import sys\n"
        "from xivo_agid.handlers._callerid_lookup import CallerIdLookup\n"
        "loaded = lambda c: f'phonenumbers.data.region_{c}' in sys.modules\n"
        "assert not loaded('BE') and not loaded('DE')\n"
        "handler = CallerIdLookup(None, 'BE')\n"
        "assert loaded('BE') and not loaded('DE')\n"
        "handler.default_country = 'DE'\n"
        "assert loaded('DE') and handler.default_country == 'DE'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
