"""Tests of the CTI line codec."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.cti._codec import CTIDecoder, InvalidLine, Request, encode

SAMPLE = (
    b'{"class":"login_id","commandid":1,"userlogin":"al\xc3\xa9"}\n'
    b"\n"
    b"not json\n"
    b'[1,2]\n{"commandid":3}\n'
    b'{"class":"keepalive","commandid":"x"}\r\n'
)


def decode_all(chunks: list[bytes], limit: int = 1000) -> list:
    decoder = CTIDecoder(limit)
    out = []
    for chunk in chunks:
        out.extend(decoder.feed(chunk))
    return out


def test_decodes_requests_and_flags_bad_lines() -> None:
    """Objects with a class become requests; other lines become InvalidLine reasons."""
    out = decode_all([SAMPLE])
    assert out[0] == Request(
        klass="login_id",
        body={"class": "login_id", "commandid": 1, "userlogin": "alé"},
        commandid=1,
    )
    assert [o.reason for o in out[1:4]] == ["invalid_json", "not_an_object", "missing_class"]
    assert out[4].klass == "keepalive" and out[4].commandid is None
    assert len(out) == 5


def test_same_result_at_every_chunk_size() -> None:
    """Replaying the same bytes in chunks of every size gives the same messages."""
    expected = decode_all([SAMPLE])
    for size in range(1, len(SAMPLE) + 1):
        chunks = [SAMPLE[i : i + size] for i in range(0, len(SAMPLE), size)]
        assert decode_all(chunks) == expected, size


def test_long_line_is_reported_once_and_skipped() -> None:
    """A line over the limit gives one line_too_long, and the next line still decodes."""
    decoder = CTIDecoder(20)
    out = decoder.feed(b"x" * 15)
    out += decoder.feed(b"y" * 15)
    out += decoder.feed(b"z" * 100 + b'\n{"class":"a"}\n')
    assert out == [
        InvalidLine(reason="line_too_long"),
        Request(klass="a", body={"class": "a"}, commandid=None),
    ]


def test_deep_nesting_is_invalid_json() -> None:
    """Deeply nested JSON is an invalid line, not a crash, with or without a surrogate."""
    assert decode_all([b"[" * 5000 + b"\n"], limit=10000) == [InvalidLine(reason="invalid_json")]
    deep = b'{"class":"x","a":' + b"[" * 900 + b'"\\ud800"' + b"]" * 900 + b"}\n"
    assert decode_all([deep], limit=10000) == [InvalidLine(reason="invalid_json")]


def test_encode_is_one_json_line() -> None:
    """encode gives compact UTF-8 JSON ended by one LF."""
    assert encode({"class": "x", "name": "é"}) == '{"class":"x","name":"é"}\n'.encode()


@pytest.mark.parametrize(
    "line",
    [
        b'{"class":"\\ud800"}',  # the line of issue 12, break 8
        b'{"class":"x","name":"a\\uDFFFb"}',
        b'{"class":"x","list":[{"\\udc00":1}]}',
        b'{"class":"x","name":"\\ude00\\ud83d"}',  # a pair in the wrong order
        b'{"class":"x","name":"\xed\xa0\x80"}',  # a surrogate in UTF-8 form (CESU)
    ],
)
def test_lone_surrogate_is_invalid_json(line: bytes) -> None:
    """A surrogate that is not half of an escaped pair makes the line invalid JSON."""
    assert decode_all([line + b"\n"]) == [InvalidLine(reason="invalid_json")]


def test_escaped_surrogate_pair_and_look_alikes_decode() -> None:
    """An escaped pair is one character; Hangul (ED 80-9F) and an escaped backslash pass."""
    out = decode_all([b'{"class":"\\ud83d\\ude00","a":"\xed\x95\x9c","b":"\\\\ud800"}\n'])
    assert out == [
        Request(klass="\U0001f600", body={"class": "\U0001f600", "a": "\ud55c", "b": "\\ud800"},
                commandid=None)
    ]  # fmt: skip


def test_encode_replaces_a_lone_surrogate() -> None:
    """A lone surrogate in a value is sent as U+FFFD: valid UTF-8, no exception."""
    data = encode({"class": "x", "name": "a\ud800b", "\udfff": ["\ud83d"]})
    expected = {"class": "x", "name": "a\ufffdb", "\ufffd": ["\ufffd"]}
    assert json.loads(data.decode("utf-8")) == expected


# Text with surrogates (lone, paired, reversed) among ordinary characters.
_TEXT = st.text(
    st.sampled_from(["a", "\u00e9", "\ud800", "\udfff", "\ud83d", "\ude00", "\U0001f600", "\\"])
    | st.characters(blacklist_categories=()),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_TEXT, _TEXT | st.lists(_TEXT, max_size=3), max_size=4))
def test_encode_always_gives_utf8_json(message: dict) -> None:
    """Whatever the strings hold (surrogates included), encode gives one valid JSON line."""
    data = encode(message)
    assert data.endswith(b"\n") and data.count(b"\n") == 1
    decoded = json.loads(data.decode("utf-8"))
    assert decoded.keys() == {_clean(k) for k in message}


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.booleans())
def test_requests_never_hold_a_surrogate(name: str, ascii_only: bool) -> None:
    """Any text, escaped or raw (surrogates as CESU bytes): a Request or invalid_json."""
    line = json.dumps({"class": "x", "name": name}, ensure_ascii=ascii_only)
    (item,) = decode_all([line.encode("utf-8", "surrogatepass") + b"\n"])
    parsed = json.loads(line)["name"]
    if parsed != _clean(parsed):
        assert item == InvalidLine(reason="invalid_json")
    else:
        assert item == Request(klass="x", body={"class": "x", "name": parsed}, commandid=None)


def _clean(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise(chunks: list[bytes]) -> None:
    """Any bytes in any chunks give only messages, and the buffer stays under the limit."""
    decoder = CTIDecoder(32)
    for chunk in chunks:
        for item in decoder.feed(chunk):
            assert isinstance(item, (Request, InvalidLine))
            if isinstance(item, Request):
                json.dumps(item.body, ensure_ascii=False).encode("utf-8")  # no surrogate
        assert len(decoder._buf) <= 32
