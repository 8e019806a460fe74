"""Tests of the shared sans-IO LineBuffer and split_header."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo.framing import FrameTooLarge, LineBuffer, split_header

DATA = b"Banner/1.0\r\nKey: v\nOther: a: b\r\n\r\n\n\nA: 1\n\nlast line\n"


def read_all(data, chunk):
    """Feed ``data`` by chunks; read one line, then blocks, then a line."""
    buf = LineBuffer(1000)
    out = []
    mode = ["line", "block", "block", "line"]
    for i in range(0, len(data), chunk):
        buf.feed(data[i : i + chunk])
        while mode:
            item = buf.next_line() if mode[0] == "line" else buf.next_block()
            if item is None:
                break
            out.append(item)
            mode.pop(0)
    return out


@pytest.mark.parametrize("chunk", range(1, len(DATA) + 1))
def test_replay_at_every_chunk_size(chunk):
    """Lines and blocks come out the same at every chunk size, CRLF or LF."""
    assert read_all(DATA, chunk) == [
        b"Banner/1.0",
        b"Key: v\nOther: a: b",
        b"A: 1",
        b"last line",
    ]


def test_incomplete_returns_none():
    """An unfinished line or block gives None and keeps the bytes."""
    buf = LineBuffer(100)
    buf.feed(b"Key: v\n")
    assert buf.next_block() is None
    assert buf.pending == 7


def test_size_limits():
    """Unfinished lines or blocks over max_size raise FrameTooLarge."""
    buf = LineBuffer(10)
    buf.feed(b"x" * 11)
    with pytest.raises(FrameTooLarge):
        buf.next_line()
    buf = LineBuffer(10)
    buf.feed(b"a: b\n" * 3)
    with pytest.raises(FrameTooLarge):
        buf.next_block()


def test_line_count_limit():
    """A block of more than max_lines lines raises FrameTooLarge."""
    buf = LineBuffer(10_000, max_lines=3)
    buf.feed(b"a\n" * 4 + b"\n")
    with pytest.raises(FrameTooLarge):
        buf.next_block()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Key: value", ("Key", "value")),
        ("Key: a: b", ("Key", "a: b")),
        ("Key:", ("Key", "")),
        ("Key:  two spaces ", ("Key", " two spaces")),
        ("ChanVariable(PJSIP/x): y", ("ChanVariable(PJSIP/x)", "y")),
        ("no colon", None),
    ],
)
def test_split_header(line, expected):
    """Headers split on the first colon; a line without one gives None."""
    assert split_header(line) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=64), max_size=40))
def test_fuzz_only_frame_too_large(chunks):
    """Arbitrary chunks: only FrameTooLarge escapes and blocks respect the limits."""
    buf = LineBuffer(100, max_lines=5)
    try:
        for chunk in chunks:
            buf.feed(chunk)
            while (block := buf.next_block()) is not None:
                assert block.count(b"\n") < 5
                assert len(block) <= 100
            assert buf.pending <= 100 + len(chunk)
    except FrameTooLarge:
        pass
