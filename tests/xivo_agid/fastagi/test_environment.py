"""Tests of the FastAGI environment block decoding."""

from hypothesis import given
from hypothesis import strategies as st

from xivo_agid.fastagi._environment import AGIEnvironment, parse_environment

BLOCK = [
    b"agi_network: yes",
    b"agi_network_script: callerid_lookup?source=a%20b&flag&x=1+2",
    b"agi_request: agi://127.0.0.1/callerid_lookup?source=a%20b",
    b"agi_channel: PJSIP/trunk-00000001",
    b"agi_language: fr",
    b"agi_uniqueid: 1700000000.1",
    b"agi_callerid: 0612345678",
    b"agi_calleridname: unknown",
    b"agi_context: from-trunk",
    b"agi_extension: 1000",
    b"agi_accountcode: ",
    b"agi_arg_1: one",
    b"agi_arg_2: two: with colon",
]


def test_known_fields_are_extracted():
    """The named fields carry the raw values Asterisk sent."""
    env = parse_environment(b"\n".join(BLOCK))
    assert env.channel == "PJSIP/trunk-00000001"
    assert env.uniqueid == "1700000000.1"
    assert env.callerid == "0612345678"
    assert env.calleridname == "unknown"
    assert env.context == "from-trunk"
    assert env.extension == "1000"
    assert env.language == "fr"


def test_script_query_and_args_are_split():
    """The ?query is split off the script, %-decoded, and agi_arg_N become args."""
    env = parse_environment(b"\n".join(BLOCK))
    assert env.script == "callerid_lookup"
    assert dict(env.query) == {"source": "a b", "flag": "", "x": "1+2"}
    assert env.args == ("one", "two: with colon")


def test_headers_keep_every_agi_key_and_empty_values():
    """Every agi_* header is kept without its prefix, empty values included."""
    env = parse_environment(b"\n".join(BLOCK))
    assert env.headers["accountcode"] == ""
    assert env.headers["network"] == "yes"
    assert "agi_network" not in env.headers


def test_lines_without_colon_and_foreign_keys_are_ignored():
    """Lines without a colon and keys not starting with agi_ do not break parsing."""
    env = parse_environment(b"garbage line\nother: x\nagi_channel: SIP/1\nagi_: z")
    assert env.channel == "SIP/1"
    assert dict(env.headers) == {"channel": "SIP/1"}


def test_undecodable_bytes_are_replaced():
    """Invalid UTF-8 is replaced, never raised."""
    env = parse_environment(b"agi_calleridname: Ren\xe9 \xff\nagi_channel: \xc3\xa9")
    assert env.calleridname == "Ren\ufffd \ufffd"
    assert env.channel == "\u00e9"


def test_missing_script_and_leading_slash():
    """No agi_network_script gives an empty script; a leading slash is dropped."""
    assert parse_environment(b"agi_channel: x").script == ""
    assert parse_environment(b"agi_network_script: /monitoring").script == "monitoring"


def test_args_stop_at_first_gap_and_first_header_wins():
    """Arguments are agi_arg_1..N without gaps; a repeated header keeps its first value."""
    env = parse_environment(b"agi_arg_1: a\nagi_arg_3: c\nagi_channel: first\nagi_channel: second")
    assert env.args == ("a",)
    assert env.channel == "first"


def test_environment_is_frozen_with_defaults():
    """An empty environment has empty defaults and cannot be modified."""
    env = AGIEnvironment()
    assert env.script == "" and env.args == () and dict(env.query) == {}
    try:
        env.script = "x"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("AGIEnvironment is not frozen")


def _headers_line_by_line(lines):
    """The documented rule, one line at a time: the reference for both ways of reading."""
    headers = {}
    for line in b"\n".join(lines).decode("utf-8", "replace").split("\n"):
        if line.startswith("agi_"):
            key, sep, value = line[4:].partition(":")
            if sep and key and key not in headers:
                value = value[1:] if value.startswith(" ") else value
                headers[key] = value.removesuffix("\r")
    return headers


_PIECES = st.sampled_from(
    [b"agi_", b":", b" ", b"\t", b"\x0b", b"\xc2\xa0", b"\xff", b"a", b"arg_1", b"x", b"\r"]
)
_NAMES = st.sampled_from(["a", "x", "arg_1", "a ", " a", "", "a:", "ax", "\ta", "agi_a"])


@given(st.lists(st.lists(_PIECES, max_size=10).map(b"".join), max_size=8), _NAMES)
def test_headers_match_the_line_by_line_rule(lines, name):
    """Asking for one header and reading them all both follow the line-by-line rule."""
    expected = _headers_line_by_line(lines)
    env = parse_environment(b"\n".join(lines))
    assert env.headers.get(name, "?") == expected.get(name, "?")
    assert (name in env.headers) == (name in expected)
    assert dict(env.headers) == expected
    assert env.headers.get(name, "?") == expected.get(name, "?")  # after the full read


def test_only_lines_as_asterisk_writes_them_are_headers():
    """White space before ``agi_`` or before the colon makes another line, not the header."""
    env = parse_environment(b"  agi_channel: a\nagi_channel : b\nagi_channel:c  \nagi_channel: d")
    assert env.channel == "c  "
    assert dict(env.headers) == {"channel ": "b", "channel": "c  "}


def test_values_keep_their_trailing_spaces():
    """Issue 22: only the space after the colon is syntax; the rest is the value as sent."""
    block = "agi_calleridname: José \nagi_arg_1: a\nagi_arg_2: b\nagi_arg_3: trailing ".encode()
    env = parse_environment(block)
    assert env.calleridname == "José "
    assert env.args == ("a", "b", "trailing ")
    assert dict(env.headers) == {"calleridname": "José ", "arg_1": "a", "arg_2": "b",
                                 "arg_3": "trailing "}  # fmt: skip


def test_crlf_is_a_line_end_and_spaces_before_it_are_kept():
    """Should a peer end lines with CRLF, the CR is not part of the value; spaces are."""
    env = parse_environment(b"agi_calleridname: Jos\xc3\xa9 \r\nagi_arg_1: a\t \r\nagi_arg_2: \r")
    assert (env.calleridname, env.args) == ("José ", ("a\t ", ""))
    assert dict(env.headers) == {"calleridname": "José ", "arg_1": "a\t ", "arg_2": ""}


def test_long_values_are_kept_whole():
    """A long value and the long run of spaces after it are kept; one space is the separator."""
    env = parse_environment(b"agi_channel:  " + b"x" * 60000 + b" " * 60000)
    assert env.channel == " " + "x" * 60000 + " " * 60000


def test_many_arguments_come_back_in_order():
    """Five hundred agi_arg_N lines come back in order."""
    block = b"\n".join(b"agi_arg_%d: v%d" % (n, n) for n in range(1, 501))
    assert parse_environment(block).args == tuple(f"v{n}" for n in range(1, 501))


def test_environment_from_a_mapping():
    """An environment built from a mapping reads like one parsed from a block."""
    env = AGIEnvironment({"network_script": "lookup?a=1", "callerid": "0123", "arg_1": "x"})
    assert (env.script, dict(env.query), env.args) == ("lookup", {"a": "1"}, ("x",))
    assert (env.callerid, env.channel) == ("0123", "")
