"""Tests of the callerid_lookup handler (fake session, and the real FastAGI protocol)."""

import subprocess
import sys

import pytest
from twisted.internet.address import IPv4Address
from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.internet.error import ConnectionDone
from twisted.internet.task import Clock
from twisted.internet.testing import StringTransport
from twisted.logger import capturedLogs
from twisted.python.failure import Failure

from xivo_agid.config import FastAGIConfig
from xivo_agid.directory._cache import TTLCache
from xivo_agid.directory._contact import Contact
from xivo_agid.directory._guard import GuardedSource
from xivo_agid.directory._lookup import ReverseLookupService
from xivo_agid.fastagi import AGIHangup, AGIRequestError, FastAGIFactory
from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.handlers._callerid_lookup import (
    MAX_NAME_LENGTH,
    CallerIdLookup,
    display_name,
    needs_lookup,
    source_variable,
)
from xivo_agid.metrics import AgidMetrics


class FakeSession:
    """Implements exactly the session API the handler uses; commands succeed at once."""

    def __init__(self, callerid="0123456789", calleridname="unknown", fail_with=None, args=()):
        self.env = AGIEnvironment(
            {
                "network_script": "callerid_lookup",
                "channel": "PJSIP/trunk-1",
                "uniqueid": "1700.1",
                "callerid": callerid,
                "calleridname": calleridname,
                **{f"arg_{n}": arg for n, arg in enumerate(args, 1)},
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


def test_match_sets_the_name_never_the_number():
    """A match sets CALLERID(name), and nothing else when the source is not asked for."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice Martin"}))
    session = FakeSession(callerid="01 23 45 67 89")
    assert run(handler, session) == [None]
    assert session.variables == {"CALLERID(name)": "Alice Martin"}


@pytest.mark.parametrize("variable", ["XIVO_DIRECTORY_SOURCE", "__SOURCE", "src2", " X "])
def test_the_argument_names_the_variable_given_the_source(variable):
    """The script's argument names the variable that receives the matching source's name
    (``_``/``__`` for inheritance, surrounding spaces ignored)."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice Martin"}))
    session = FakeSession(args=(variable,))
    assert run(handler, session) == [None]
    assert session.variables == {"CALLERID(name)": "Alice Martin", variable.strip(): "phonebook"}


def test_an_empty_argument_asks_for_no_source():
    """``callerid_lookup,`` (an empty argument) sets the name only."""
    handler, _clock = make_handler(Source({"+33123456789": "Alice Martin"}))
    session = FakeSession(args=("",))
    assert run(handler, session) == [None]
    assert session.variables == {"CALLERID(name)": "Alice Martin"}


BAD_ARGUMENTS = [
    ("CALLERID(name)",),
    ('X" "Y',),
    ("A\nEXEC Set(Z=1)",),
    ("1ABC",),
    ("A B",),
    ("A=1,B",),
    ("x" * 81,),
    ("SOURCE", "extra"),
]


@pytest.mark.parametrize("args", BAD_ARGUMENTS)
def test_a_bad_argument_refuses_the_request_before_any_lookup(args):
    """An argument that is not a plain variable name, or a second argument, refuses the
    whole request (AGIRequestError, saying why) before any lookup: nothing is set."""
    source = Source({"+33123456789": "Alice Martin"})
    handler, _clock = make_handler(source)
    session = FakeSession(args=args)
    with pytest.raises(AGIRequestError) as refused:
        handler(session)
    assert "argument" in str(refused.value)
    assert source.asked == [] and session.variables == {}


def test_source_variable_reads_the_arguments():
    """No argument or an empty one: None; a name: that name."""
    assert source_variable(()) is None and source_variable(("  ",)) is None
    assert source_variable(("XIVO_DIRECTORY_SOURCE",)) == "XIVO_DIRECTORY_SOURCE"
    with pytest.raises(AGIRequestError, match="at most one argument"):
        source_variable(("A", "B"))


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


def serve(
    handler, clock, env=b"agi_callerid: +33123456789\nagi_calleridname: unknown\n", factory=None
):
    """The real FastAGI protocol serving ``handler`` (a new server unless ``factory``),
    sent a request with ``env``'s lines; (the protocol, its transport, its factory)."""
    if factory is None:
        config = FastAGIConfig()
        factory = FastAGIFactory({"callerid_lookup": handler}, config, clock, AgidMetrics())
    protocol = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 40000))
    transport = StringTransport()
    protocol.makeConnection(transport)
    protocol.dataReceived(
        b"agi_network: yes\nagi_network_script: callerid_lookup\nagi_channel: PJSIP/t-1\n"
        b"agi_uniqueid: 1.1\n" + env + b"\n"
    )
    return protocol, transport, factory


ENV = b"agi_callerid: +33123456789\nagi_calleridname: unknown\n"


def test_injected_name_goes_out_as_one_command_on_the_wire():
    """Through the real protocol, a name holding a newline and quotes stays one escaped
    argument of one SET VARIABLE, the last step: the connection closes as soon as it is
    written, without waiting for Asterisk's reply."""
    handler, clock = make_handler(Source({"+33123456789": 'Eve "The"\nHacker\\'}))
    _protocol, transport, _factory = serve(handler, clock)
    assert transport.value() == b'SET VARIABLE "CALLERID(name)" "Eve \\"The\\" Hacker\\\\"\n'
    assert transport.disconnecting


def test_name_and_source_asked_for_go_in_one_mset():
    """With the source asked for, both variables go in one EXEC MSet, escaped, the last
    step."""
    handler, clock = make_handler(Source({"+33123456789": 'Eve "The"\nHacker\\'}))
    _protocol, transport, _factory = serve(
        handler, clock, ENV + b"agi_arg_1: XIVO_DIRECTORY_SOURCE\n"
    )
    assert transport.value() == (
        b'EXEC "MSet" "CALLERID\\\\(name\\\\)=Eve \\\\\\"The\\\\\\" Hacker\\\\\\\\,'
        b'XIVO_DIRECTORY_SOURCE=phonebook"\n'
    )
    assert transport.disconnecting


def test_a_name_holding_a_dollar_goes_in_two_set_variables():
    """``$`` could be substituted in EXEC data: with the source asked for, that name goes
    by SET VARIABLE, then the source after the name's reply; the connection closes once
    the source is written."""
    handler, clock = make_handler(Source({"+33123456789": "Ca$h ${EXTEN}"}))
    protocol, transport, _factory = serve(handler, clock, ENV + b"agi_arg_1: SRC\n")
    assert transport.value() == b'SET VARIABLE "CALLERID(name)" "Ca$h ${EXTEN}"\n'
    transport.clear()
    protocol.dataReceived(b"200 result=1\n")
    assert transport.value() == b'SET VARIABLE "SRC" "phonebook"\n'
    assert transport.disconnecting


def test_a_bad_argument_over_the_protocol_is_a_limited_warning():
    """A bad argument: nothing is written, the connection closes, the request counts as
    ``bad_request`` and a warning names the script and the problem, no traceback; a
    dialplan repeating it on every call logs under the server's rate limit."""
    source = Source({"+33123456789": "Alice"})
    handler, clock = make_handler(source)
    bad = ENV + b'agi_arg_1: X" "Y\n'
    with capturedLogs() as events:
        protocols = [serve(handler, clock, bad)]
        protocols += [serve(handler, clock, bad, protocols[0][2]) for _ in range(19)]
        for protocol, _transport, _factory in protocols:
            protocol.connectionLost(Failure(ConnectionDone()))
    assert all(t.value() == b"" and t.disconnecting for _p, t, _f in protocols)
    assert source.asked == []
    warnings = [e for e in events if e.get("script") == "callerid_lookup"]
    assert 1 <= len(warnings) <= 5 and not any("log_failure" in e for e in events)
    assert "variable name" in warnings[0]["error"] and warnings[0]["log_level"].name == "warn"
    metrics = protocols[0][2].metrics.registry
    labels = {"script": "callerid_lookup", "outcome": "bad_request"}
    assert metrics.get_sample_value("xivo_agid_requests_total", labels) == 20


def test_hangup_during_lookup_over_the_protocol_closes_cleanly():
    """A HANGUP line while the lookup runs: nothing is written and the session closes."""
    source = Source(mode="hang")
    handler, clock = make_handler(source)
    protocol, transport, _factory = serve(handler, clock, b"agi_callerid: 0123456789\n")
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
