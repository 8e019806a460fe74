"""Tests of the AGISession command queue."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from twisted.internet.defer import CancelledError

from xivo_agid.fastagi._environment import AGIEnvironment
from xivo_agid.fastagi._errors import AGICommandError, AGIConnectionLost, AGIHangup, InvalidCommand
from xivo_agid.fastagi._reply import parse_reply
from xivo_agid.fastagi._session import AGISession


def reply(line):
    """A parsed one-line reply."""
    return parse_reply(int(line[:3]), [line])


@pytest.fixture
def written():
    """The lines the session wrote."""
    return []


@pytest.fixture
def session(written):
    """A session writing to ``written``."""
    return AGISession(AGIEnvironment({"channel": "PJSIP/a-1", "uniqueid": "1.1"}), written.append)


def result_of(d):
    """The current result of a fired Deferred (a Failure is returned, not raised)."""
    out = []
    d.addBoth(out.append)
    assert out, "Deferred has not fired"
    return out[0]


def test_commands_are_sent_one_at_a_time(session, written):
    """A second command is written only after the first got its reply."""
    d1 = session.set_variable("A", "1")
    d2 = session.verbose("hello", 3)
    assert written == [b'SET VARIABLE "A" "1"\n']
    session.reply_received(reply("200 result=1"))
    assert result_of(d1).result == "1"
    assert written[1] == b'VERBOSE "hello" "3"\n'
    session.reply_received(reply("200 result=1"))
    assert result_of(d2).ok


def test_get_variable_set_and_unset(session):
    """GET VARIABLE gives the value in parentheses, or None when unset."""
    d = session.get_variable("CALLERID(name)")
    session.reply_received(reply("200 result=1 (Alice (HQ))"))
    assert result_of(d) == "Alice (HQ)"
    d = session.get_variable("NOPE")
    session.reply_received(reply("200 result=0"))
    assert result_of(d) is None


def test_exec_set_callerid_and_generic(session, written):
    """EXEC joins its arguments with commas; SET CALLERID and generic commands are quoted."""
    session.exec_app("Dial", "Local/100@ctx", "10")
    session.reply_received(reply("200 result=0"))
    session.set_callerid('"Alice" <100>')
    session.reply_received(reply("200 result=1"))
    session.command("DATABASE", "GET", "fam", "key")
    assert written == [
        b'EXEC "Dial" "Local/100@ctx,10"\n',
        b'SET CALLERID "\\"Alice\\" <100>"\n',
        b'"DATABASE" "GET" "fam" "key"\n',
    ]


@pytest.mark.parametrize("code", ["510 Invalid or unknown command", "520 Invalid command syntax."])
def test_error_reply_errbacks_with_reply(session, code):
    """A non-2xx reply errbacks with AGICommandError carrying the reply."""
    d = session.command("BOGUS")
    session.reply_received(reply(code))
    failure = result_of(d)
    assert failure.check(AGICommandError)
    assert failure.value.reply.code == int(code[:3])


def test_cr_lf_raises_before_writing(session, written):
    """A CR or LF in a word raises a ValueError at once and nothing is written."""
    with pytest.raises(ValueError):
        session.set_variable("CALLERID(name)", "Eve\nEXEC Hangup")
    with pytest.raises(InvalidCommand):
        session.command("VERBOSE", "x\r")
    assert written == []


HOSTILE = r'a,b (c) [d] "e" \f, g'


def test_exec_escapes_each_argument(session, written):
    """Each EXEC argument is escaped for the application, then quoted for AGI."""
    session.exec_app("UserEvent", "XivoExecCheck", "Value: " + HOSTILE)
    assert written == [
        rb'EXEC "UserEvent" "XivoExecCheck,Value: a\\,b \\(c\\) \\[d\\] \\\"e\\\" \\\\f\\, g"'
        + b"\n"
    ]


@pytest.mark.parametrize("bad", ["a\rb", "a\nb", "a\x00b", "a,b\r\nEXEC Hangup"])
def test_exec_cr_lf_nul_refused_before_writing(session, written, bad):
    """CR, LF or NUL in an EXEC argument raises InvalidCommand and nothing is written."""
    with pytest.raises(InvalidCommand):
        session.exec_app("UserEvent", "XivoExecCheck", "Value: " + bad)
    assert written == []


def agi_words(line: bytes) -> list[str]:
    """Split an AGI command line as Asterisk's res_agi ``parse_args`` does.

    Words are separated by spaces or tabs outside double quotes; a double quote toggles
    quoting and is dropped; a backslash is dropped and makes the next character literal.
    """
    words: list[list[str]] = []
    quoted = escaped = False
    between = True
    for char in line.decode("utf-8").removesuffix("\n"):
        if char == '"' and not escaped:
            quoted = not quoted
            if quoted and between:
                words.append([])
                between = False
        elif char in " \t" and not quoted and not escaped:
            between = True
        elif char == "\\" and not escaped:
            escaped = True
        else:
            if between:
                words.append([])
                between = False
            words[-1].append(char)
            escaped = False
    return ["".join(word) for word in words]


def app_arguments(data: str) -> list[str]:
    """Split application data as Asterisk's main/app.c ``__ast_app_separate_args`` does.

    Standard arguments (``remove_chars`` set): split on commas outside double quotes,
    parentheses and brackets; double quotes are dropped; a backslash is dropped and the
    next character kept as is.  Empty data is no argument at all.  (Modelled without an
    argument count limit: Asterisk leaves the last declared argument unparsed.)
    """
    if not data:
        return []
    arguments: list[str] = []
    current: list[str] = []
    paren = bracket = 0
    quote = False
    chars = iter(data)
    for char in chars:
        if char == '"':
            quote = not quote
            continue
        if char == "\\":
            current.extend(next(chars, ""))
            continue
        if char == "," and not (paren or bracket or quote):
            arguments.append("".join(current))
            current = []
            continue
        if char == "(":
            paren += 1
        elif char == ")":
            paren = max(paren - 1, 0)
        elif char == "[":
            bracket += 1
        elif char == "]":
            bracket = max(bracket - 1, 0)
        current.append(char)
    arguments.append("".join(current))
    return arguments


def test_reference_decoder_splits_unescaped_data():
    """The reference decoder splits raw data the way Asterisk does (sanity check)."""
    assert agi_words(b'EXEC "Dial" "a,\\"b c\\"" x\\ y\n') == ["EXEC", "Dial", 'a,"b c"', "x y"]
    assert app_arguments('a,b(c,d),[e,f],"g,h",i\\,j,') == [
        "a",
        "b(c,d)",
        "[e,f]",
        "g,h",
        "i,j",
        "",
    ]


ARGUMENT = st.text(
    st.one_of(
        st.sampled_from('\\,"()[] \t'),
        st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"),
    ),
    max_size=40,
)


@given(st.lists(ARGUMENT, max_size=8))
def test_exec_arguments_arrive_whole(arguments):
    """Undoing Asterisk's AGI then application parsing gives back exactly the arguments."""
    assume(arguments != [""])  # one empty argument is sent as no argument at all
    written = []
    session = AGISession(
        AGIEnvironment({"channel": "PJSIP/a-1", "uniqueid": "1.1"}), written.append
    )
    session.exec_app("UserEvent", *arguments)
    command, application, data = agi_words(written[0])
    assert (command, application) == ("EXEC", "UserEvent")
    assert app_arguments(data) == arguments


def test_hangup_pending_gets_reply_later_fail_fast(session, written):
    """After HANGUP the command in flight gets its reply; queued and later ones fail fast."""
    d1 = session.get_variable("A")
    d2 = session.get_variable("B")
    session.hangup_received()
    assert session.hung_up
    assert result_of(d2).check(AGIHangup)
    session.reply_received(reply("200 result=1 (x)"))
    assert result_of(d1) == "x"
    assert result_of(session.verbose("late")).check(AGIHangup)
    assert len(written) == 1


def test_connection_lost_fails_pending_and_later(session):
    """Losing the connection fails the pending and queued commands, then every new one."""
    d1 = session.get_variable("A")
    d2 = session.get_variable("B")
    session.connection_lost("closed in the middle of a reply")
    assert result_of(d1).check(AGIConnectionLost)
    assert "middle of a reply" in str(result_of(d2).value)
    assert result_of(session.verbose("x")).check(AGIConnectionLost)


def test_reply_without_command_is_refused(session):
    """A reply with no command waiting is reported as not delivered."""
    assert session.reply_received(reply("200 result=1")) is False


def test_cancel_queued_and_in_flight(session, written):
    """A cancelled queued command is never sent; a cancelled in-flight one keeps its slot."""
    d1 = session.get_variable("A")
    d2 = session.get_variable("B")
    d3 = session.get_variable("C")
    d2.cancel()
    d1.cancel()
    assert result_of(d1).check(CancelledError) and result_of(d2).check(CancelledError)
    assert len(written) == 1
    session.reply_received(reply("200 result=1 (a)"))  # the reply to A, dropped
    assert written[-1] == b'GET VARIABLE "C"\n'
    session.reply_received(reply("200 result=1 (c)"))
    assert result_of(d3) == "c"


def test_command_from_callback_is_sent(session, written):
    """A command issued from a reply callback is written right away."""
    d = session.get_variable("A")
    d.addCallback(lambda _: session.verbose("next"))
    session.reply_received(reply("200 result=1 (a)"))
    assert written[-1] == b'VERBOSE "next" "1"\n'


# set_variables: one EXEC MSet when it can, else several SET VARIABLEs as one step.


def mset_pairs(data: str) -> list[tuple[str, str]]:
    """Split MSet's data as Asterisk's ``pbx_builtin_setvar_multiple`` does: standard
    arguments, then each at its first ``=`` outside parentheses (the value is the rest,
    as is; the name has no quotes, brackets or backslashes here)."""
    pairs = []
    for argument in app_arguments(data):
        depth = 0
        for i, char in enumerate(argument):
            depth += {"(": 1, ")": -1 if depth else 0}.get(char, 0)
            if char == "=" and not depth:
                pairs.append((argument[:i], argument[i + 1 :]))
                break
    return pairs


MSET_PAIRS = (("CALLERID(name)", 'Eve "The" (Boss), [x]\\ = y'), ("XIVO_DIRECTORY_SOURCE", "pb"))


def test_set_variables_go_in_one_exec_mset(session, written):
    """Plain names and values without ``$``: one EXEC MSet that Asterisk splits back into
    exactly the names and values; it fires with the reply."""
    d = session.set_variables(MSET_PAIRS)
    [line] = written
    command, application, data = agi_words(line)
    assert (command, application) == ("EXEC", "MSet")
    assert mset_pairs(data) == list(MSET_PAIRS)
    session.reply_received(reply("200 result=0"))
    assert result_of(d).number == 0


def test_set_variables_mset_with_a_negative_result_fails(session, written):
    """EXEC answers 200 even when the application is missing (result -2): that fails."""
    d = session.set_variables(MSET_PAIRS)
    session.reply_received(reply("200 result=-2"))
    failure = result_of(d)
    assert failure.check(AGICommandError) and failure.value.reply.number == -2


@pytest.mark.parametrize(
    "pairs",
    [
        (("A", "1"),),  # one variable: SET VARIABLE is as short
        (("CALLERID(name)", "Ca$h"), ("B", "2")),  # AGIEXECFULL would substitute ${...}
        (("A=B", "1"), ("C", "2")),
        (("HASH(a,b)", "1"), ("C", "2")),
    ],
)
def test_set_variables_that_mset_cannot_carry_go_one_by_one(session, written, pairs):
    """A single variable, a value holding ``$`` or a name that is not plain: SET VARIABLE."""
    session.set_variables(pairs)
    assert agi_words(written[0])[:3] == ["SET", "VARIABLE", pairs[0][0]]


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}(\([a-z]{0,6}\))?", fullmatch=True), ARGUMENT
        ),
        min_size=2,
        max_size=4,
    )
)
def test_mset_values_arrive_whole(pairs):
    """Whatever the values, MSet as Asterisk reads it sets exactly them, or is not used."""
    written = []
    session = AGISession(
        AGIEnvironment({"channel": "PJSIP/a-1", "uniqueid": "1.1"}), written.append
    )
    session.set_variables(pairs)
    words = agi_words(written[0])
    if words[:2] == ["EXEC", "MSet"]:
        assert mset_pairs(words[2]) == pairs
    else:
        assert any("$" in value for _name, value in pairs)
        assert words[:2] == ["SET", "VARIABLE"]


PAIRS = (("CALLERID(name)", "Ali$ce"), ("XIVO_DIRECTORY_SOURCE", "pb"))
SET_NAME = b'SET VARIABLE "CALLERID(name)" "Ali$ce"\n'
SET_SOURCE = b'SET VARIABLE "XIVO_DIRECTORY_SOURCE" "pb"\n'


def test_set_variables_one_at_a_time_then_fires_once(session, written):
    """Each SET VARIABLE goes after the previous reply; the step fires with the last reply."""
    d = session.set_variables(PAIRS)
    later = session.verbose("after", 1)
    assert written == [SET_NAME]
    session.reply_received(reply("200 result=1"))
    assert written == [SET_NAME, SET_SOURCE] and not d.called
    session.reply_received(reply("200 result=1"))
    assert result_of(d).result == "1"
    assert written[2] == b'VERBOSE "after" "1"\n' and not later.called


def test_set_variables_stops_at_the_first_error(session, written):
    """A non-2xx reply fails the step with it; the rest is not sent, the next command is."""
    d = session.set_variables(PAIRS)
    later = session.verbose("after", 1)
    session.reply_received(reply("510 Invalid or unknown command"))
    failure = result_of(d)
    assert failure.check(AGICommandError) and failure.value.reply.code == 510
    assert written == [SET_NAME, b'VERBOSE "after" "1"\n']
    session.reply_received(reply("200 result=1"))
    assert result_of(later).ok


def test_set_variables_hangup_stops_the_rest(session, written):
    """After HANGUP the variable in flight gets its reply; the rest is not sent."""
    d = session.set_variables(PAIRS)
    session.hangup_received()
    session.reply_received(reply("200 result=1"))
    assert result_of(d).check(AGIHangup)
    assert written == [SET_NAME]


def test_set_variables_connection_lost(session):
    """A lost connection fails the step in the middle."""
    d = session.set_variables(PAIRS)
    session.reply_received(reply("200 result=1"))
    session.connection_lost("gone")
    failure = result_of(d)
    assert failure.check(AGIConnectionLost) and "XIVO_DIRECTORY_SOURCE" in str(failure.value)


def test_set_variables_cancelled_in_flight_sends_no_more(session, written):
    """Cancelling the step keeps the reply slot of the line in flight and sends no more."""
    d = session.set_variables(PAIRS)
    later = session.verbose("after", 1)
    d.cancel()
    assert result_of(d).check(CancelledError)
    session.reply_received(reply("200 result=1"))
    assert written == [SET_NAME, b'VERBOSE "after" "1"\n']
    session.reply_received(reply("200 result=1"))
    assert result_of(later).ok


def test_set_variables_checks_every_line_before_writing(session, written):
    """A CR in the last value refuses the whole step before anything is written."""
    with pytest.raises(InvalidCommand):
        session.set_variables((("A", "1"), ("B", "x\r\ny")))
    with pytest.raises(InvalidCommand):
        session.set_variables(())
    assert written == []


def test_finish_with_variables_fires_once_written(session, written):
    """The last step fires with None as soon as its EXEC MSet is written; the reply, if it
    comes before the connection closes, is taken and dropped."""
    d = session.finish_with_variables(MSET_PAIRS)
    [line] = written
    assert agi_words(line)[:2] == ["EXEC", "MSet"]
    assert result_of(d) is None
    assert session.reply_received(reply("200 result=-1"))  # not an unexpected reply
    assert not session.waiting


def test_finish_with_variables_waits_for_all_but_the_last_line(session, written):
    """In several SET VARIABLE, each line but the last still waits for its reply, and a
    refused one stops the step before the last is written."""
    d = session.finish_with_variables(PAIRS)
    assert written == [SET_NAME] and not d.called
    session.reply_received(reply("200 result=1"))
    assert written == [SET_NAME, SET_SOURCE] and result_of(d) is None
    refused = session.finish_with_variables(PAIRS)
    session.reply_received(reply("200 result=1"))  # the previous step's last reply
    session.reply_received(reply("510 Invalid or unknown command"))
    assert result_of(refused).check(AGICommandError)
    assert written == [SET_NAME, SET_SOURCE, SET_NAME]


def test_finish_with_variables_checks_before_writing(session, written):
    """Checked as ``set_variables``: a CR refuses the whole step, nothing written."""
    with pytest.raises(InvalidCommand):
        session.finish_with_variables((("A", "1"), ("B", "x\r\ny")))
    assert written == []
