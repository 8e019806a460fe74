"""Tests of the CTI line codec."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from xivo_cti.cti.codec import CTIDecoder, InvalidLine, Request, encode

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
    """Deeply nested JSON is an invalid line, not a crash."""
    assert decode_all([b"[" * 5000 + b"\n"], limit=10000) == [InvalidLine(reason="invalid_json")]


def test_encode_is_one_json_line() -> None:
    """encode gives compact UTF-8 JSON ended by one LF."""
    assert encode({"class": "x", "name": "é"}) == '{"class":"x","name":"é"}\n'.encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=20))
def test_arbitrary_bytes_never_raise(chunks: list[bytes]) -> None:
    """Any bytes in any chunks give only messages, and the buffer stays under the limit."""
    decoder = CTIDecoder(32)
    for chunk in chunks:
        for item in decoder.feed(chunk):
            assert isinstance(item, (Request, InvalidLine))
        assert len(decoder._buf) <= 32
