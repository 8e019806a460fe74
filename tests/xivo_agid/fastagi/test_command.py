"""Tests of AGI command serialisation."""

import pytest

from xivo_agid.fastagi._command import MAX_LINE_SIZE, MAX_WORDS, app_argument, encode_command, quote
from xivo_agid.fastagi._errors import InvalidCommand


def test_keywords_bare_arguments_quoted():
    """Command keywords go bare, arguments are double-quoted."""
    assert encode_command(["GET", "VARIABLE", "X"], keywords=2) == b'GET VARIABLE "X"\n'
    line = encode_command(["SET", "VARIABLE", "CALLERID(name)", "Alice Martin"], keywords=2)
    assert line == b'SET VARIABLE "CALLERID(name)" "Alice Martin"\n'


def test_generic_command_quotes_every_word():
    """Without keywords every word is quoted (Asterisk strips the quotes)."""
    assert encode_command(["VERBOSE", "hi", "1"]) == b'"VERBOSE" "hi" "1"\n'


def test_backslash_and_quote_are_escaped():
    """Backslashes and double quotes inside a word are escaped."""
    assert quote('say "hi" \\o/') == '"say \\"hi\\" \\\\o/"'
    assert quote("") == '""'


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "a\r\nEXEC Hangup", "nul\x00"])
def test_cr_lf_nul_refused(bad):
    """CR, LF or NUL anywhere raises InvalidCommand, a ValueError."""
    with pytest.raises(ValueError):
        encode_command(["SET", "VARIABLE", "X", bad], keywords=2)
    with pytest.raises(InvalidCommand):
        quote(bad)


def test_utf8_encoded():
    """Non-ASCII text is sent as UTF-8."""
    assert encode_command(["VERBOSE", "Hélène"], keywords=1) == 'VERBOSE "Hélène"\n'.encode()


@pytest.mark.parametrize(
    "words",
    [
        [],
        ["GET"] + ["x"] * MAX_WORDS,
        ["VERBOSE", "x" * MAX_LINE_SIZE],
        ["VERBOSE", "\ud800"],
        ["VERBOSE", 3],
    ],
)
def test_limits_refused(words):
    """Empty, too many words, too long, unencodable or non-string commands are refused."""
    with pytest.raises(InvalidCommand):
        encode_command(words, keywords=1)


def test_bad_keyword_refused():
    """A keyword position holding anything but capital letters is refused."""
    with pytest.raises(InvalidCommand):
        encode_command(["GET VARIABLE", "X"], keywords=1)


@pytest.mark.parametrize("char", ["\\", ",", '"', "(", ")", "[", "]"])
def test_app_argument_escapes_each_special_character(char):
    """Each of \\ , " ( ) [ ] gets one backslash before it."""
    assert app_argument(char) == "\\" + char
    assert app_argument(f"a{char}b") == f"a\\{char}b"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("", ""),
        ("Alice Martin 0123", "Alice Martin 0123"),
        ("$;|{}:'<> \t=é", "$;|{}:'<> \t=é"),
        (r"\,", r"\\\,"),
        (r"\\", r"\\\\"),
        (",,", r"\,\,"),
        (r'a,b (c) [d] "e" \f, g', r"a\,b \(c\) \[d\] \"e\" \\f\, g"),
    ],
)
def test_app_argument_combinations(value, escaped):
    """Other characters are kept; special ones are escaped one by one, in place."""
    assert app_argument(value) == escaped
