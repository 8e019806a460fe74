"""Serialising AGI commands: one LF-terminated line, arguments quoted and escaped.

Asterisk splits a command line on white space, groups double-quoted text and treats
a backslash as an escape; it accepts at most 128 words and lines under 8 KB.  A CR,
LF or NUL in any word would end or truncate the line (a directory entry could inject a
second command), so it is refused before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from xivo_agid.fastagi._errors import InvalidCommand

__all__ = [
    "MAX_LINE_SIZE",
    "MAX_WORDS",
    "app_argument",
    "encode_command",
    "mset_argument",
    "quote",
]

MAX_WORDS = 128
MAX_LINE_SIZE = 8191  # bytes, LF included
_KEYWORD = re.compile(r"[A-Z]+")
_FORBIDDEN = re.compile(r"[\r\n\x00]")
_APP_ESCAPES = str.maketrans({c: "\\" + c for c in '\\,"()[]'})
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\([A-Za-z0-9_]*\))?")


def quote(word: str) -> str:
    """Return ``word`` double-quoted with ``\\`` and ``"`` escaped; refuse CR, LF and NUL."""
    if _FORBIDDEN.search(word):
        raise InvalidCommand(f"CR, LF or NUL in AGI argument {word!r}")
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def app_argument(value: str) -> str:
    """``value`` as one argument of a dialplan application run by ``EXEC``.

    Asterisk splits application arguments on commas outside quotes, parentheses and
    brackets, and drops a backslash before any character; each of ``\\ , " ( ) [ ]`` gets
    a backslash so that the value arrives whole and as written (a caller number holding
    a comma cannot add arguments or options).  The AGI quoting (``quote``) comes on top.
    An application's last declared argument (Dial's URL...) gets the rest of the text
    unparsed: there the escapes stay, but still cannot add an argument.
    """
    return value.translate(_APP_ESCAPES)


def mset_argument(variables: Sequence[tuple[str, str]]) -> str | None:
    """The data of one ``EXEC MSet`` setting every ``(name, value)``, or None if one of
    them cannot go that way.

    MSet splits its data into application arguments (``app_argument`` escapes each
    ``name=value``), then each at its first ``=`` outside parentheses: the value is the
    rest, as is.  Names must be plain variable or function names (``CALLERID(name)``).
    A value must not hold ``$``: when the channel sets ``AGIEXECFULL``, Asterisk
    substitutes ``${...}`` in EXEC data (``SET VARIABLE`` never does).
    """
    for name, value in variables:
        if "$" in value or not _PLAIN_NAME.fullmatch(name):
            return None
    return ",".join(app_argument(f"{name}={value}") for name, value in variables)


def encode_command(words: Sequence[str], *, keywords: int = 0) -> bytes:
    """Encode one command line; the first ``keywords`` words (e.g. ``GET VARIABLE``) go bare.

    Bare words must be upper-case letters; every other word is quoted.  Raises
    ``InvalidCommand`` (a ``ValueError``) for an empty command, a forbidden character,
    more than ``MAX_WORDS`` words or a line over ``MAX_LINE_SIZE`` bytes.
    """
    if not words:
        raise InvalidCommand("empty AGI command")
    if len(words) > MAX_WORDS:
        raise InvalidCommand(f"AGI command of {len(words)} words (at most {MAX_WORDS})")
    parts = []
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise InvalidCommand(f"AGI command word {word!r} is not a string")
        if i < keywords:
            if not _KEYWORD.fullmatch(word):
                raise InvalidCommand(f"invalid AGI command keyword {word!r}")
            parts.append(word)
        else:
            parts.append(quote(word))
    try:
        line = (" ".join(parts) + "\n").encode("utf-8")
    except UnicodeEncodeError as e:
        raise InvalidCommand(f"AGI command not encodable as UTF-8: {e.reason}") from None
    if len(line) > MAX_LINE_SIZE:
        raise InvalidCommand(f"AGI command line of {len(line)} bytes (at most {MAX_LINE_SIZE})")
    return line
