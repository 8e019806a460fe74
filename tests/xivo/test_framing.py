"""Tests of the shared sans-IO LineBuffer and split_header."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xivo.framing import FrameTooLarge, LineBuffer, split_header

DATA = b"Banner/1.0\r\nKey: v\r1\nOther: a: b\r\r\n\r\n\n\nA: 1\n\nlast line\r\n"


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
    """Lines and blocks come out the same at every chunk size, CRLF or LF (a CRLF split
    between reads included); a CR that does not end a line is data, kept."""
    assert read_all(DATA, chunk) == [
        b"Banner/1.0",
        b"Key: v\r1\nOther: a: b\r",
        b"A: 1",
        b"last line",
    ]


def test_cr_before_lf_only_is_a_line_end():
    """Only the CR directly before an LF goes: a lone CR, one that ends a read without
    an LF after it, and the first of two CRs stay."""
    buf = LineBuffer(100)
    for data in (b"a\rb\r", b"\r", b"\n", b"c\r", b"d\n"):
        buf.feed(data)
    assert buf.next_line() == b"a\rb\r"
    assert buf.next_line() == b"c\rd"
    assert buf.next_line() is None and buf.pending == 0


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


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80).map(lambda b: bytes(b"a\r\n"[x % 3] for x in b)), st.data())
def test_crlf_and_lf_end_lines_at_any_split(data, draw):
    """Bytes of a, CR and LF fed in any chunks give the lines of ``data`` split at LF
    once each CRLF is made LF (the pure-CRLF shortcut and the general case agree)."""
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(data)), max_size=6)))
    buf = LineBuffer(1000)
    lines = []
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        buf.feed(data[start:end])
        while (line := buf.next_line()) is not None:
            lines.append(line)
    assert lines == data.replace(b"\r\n", b"\n").split(b"\n")[:-1]
