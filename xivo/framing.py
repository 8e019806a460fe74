"""Sans-IO framing shared by AMI and FastAGI: lines, and blocks of lines ended by a blank line.

Both protocols send ``Key: Value`` lines grouped into blocks that end with an empty
line (AMI messages, the FastAGI environment), and single lines (the AMI banner,
FastAGI replies).  ``LineBuffer`` keeps bytes until a line or block is complete and caps
what it holds; decoding is left to the caller, once per complete unit, so a multi-byte
character split across reads is never lost.

A line ends at LF or CRLF, as Asterisk's own readers take it (``manager.c``'s
``get_input``; ``res_agi.c`` sends LF): the CR of a CRLF is dropped, also when the two
arrive in different reads, and any other CR is data, kept in its value (Asterisk reads
a lone CR in another client's action as data, so a variable set that way may hold
one).  What goes back to Asterisk never holds a CR from data: AMI actions and AGI
commands refuse it.
"""

from __future__ import annotations

__all__ = ["FrameTooLarge", "LineBuffer", "split_header"]


class FrameTooLarge(Exception):
    """The peer sent more than the limit without finishing a line or block."""


class LineBuffer:
    """Bytes in; complete lines or blank-line-terminated blocks out.

    ``max_size`` caps the bytes held for one unfinished line or block, ``max_lines``
    the lines of one block.  Exceeding either raises ``FrameTooLarge`` from
    ``next_line``/``next_block``; the buffer is then unusable (close the connection).
    """

    def __init__(self, max_size: int, max_lines: int = 1_000_000) -> None:
        self.max_size = max_size
        self.max_lines = max_lines
        self._buf = b""  # received bytes; those before _pos were already returned
        self._pos = 0
        self._scanned = 0  # absolute index up to which _buf holds no block end

    def feed(self, data: bytes) -> None:
        """Append received bytes; the CR of each CRLF is dropped (CRLF and LF read alike)."""
        buf = self._buf
        if data[:1] == b"\n" and buf[-1:] == b"\r":  # a CRLF split between two reads
            buf = buf[:-1]
            self._scanned = min(self._scanned, len(buf))
        if b"\r" in data:
            data = _crlf_to_lf(data)
        pos = self._pos
        if pos:
            self._scanned -= pos
            self._pos = 0
            self._buf = buf[pos:] + data
        else:
            self._buf = buf + data

    @property
    def pending(self) -> int:
        """Bytes received and not yet returned."""
        return len(self._buf) - self._pos

    def next_line(self) -> bytes | None:
        """Return the next complete line without its line end, or None if incomplete."""
        buf = self._buf
        pos = self._pos
        end = buf.find(b"\n", pos)
        if end < 0:
            if len(buf) - pos > self.max_size:
                raise FrameTooLarge(f"line longer than {self.max_size} bytes")
            return None
        self._pos = end + 1
        self._scanned = end + 1
        return buf[pos:end]

    def next_block(self) -> bytes | None:
        """Return the next block ended by an empty line (its lines joined by LF, without
        the final line end), or None if incomplete.  Empty lines before a block are
        skipped."""
        buf = self._buf
        pos = self._pos
        while buf.startswith(b"\n", pos):
            pos += 1
        self._pos = pos
        end = buf.find(b"\n\n", max(self._scanned - 1, pos))
        if end < 0:
            self._scanned = len(buf)
            size = len(buf) - pos
            if size > self.max_size:
                raise FrameTooLarge(f"block larger than {self.max_size} bytes")
            if size > self.max_lines and buf.count(b"\n", pos) > self.max_lines:
                raise FrameTooLarge(f"block of more than {self.max_lines} lines")
            return None
        if end - pos > self.max_size:
            raise FrameTooLarge(f"block larger than {self.max_size} bytes")
        raw = buf[pos:end]
        self._pos = self._scanned = end + 2
        if end - pos >= self.max_lines and raw.count(b"\n") >= self.max_lines:
            raise FrameTooLarge(f"block of more than {self.max_lines} lines")
        return raw


def _crlf_to_lf(data: bytes) -> bytes:
    """``data`` with every CRLF made LF; other CRs stay.

    Asterisk ends every AMI line with CRLF and a CR inside a value is rare: that case is
    checked whole (all CRs dropped, then every LF given a CR back, gives ``data`` again)
    with single-byte searches, several times cheaper than searching for the pair.
    """
    lf = data.replace(b"\r", b"")
    if lf.replace(b"\n", b"\r\n") == data:
        return lf
    return data.replace(b"\r\n", b"\n")


def split_header(line: str) -> tuple[str, str] | None:
    """Split ``Key: Value`` on the first colon; None for a line without a colon.

    One space after the colon is the separator; the rest of the value is kept as sent,
    less trailing white space.  The value may be empty or contain further colons.
    """
    key, sep, value = line.partition(":")
    if not sep:
        return None
    if value.startswith(" "):
        value = value[1:]
    return key.strip(), value.rstrip()
