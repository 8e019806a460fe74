"""The load clients of the CTI fan-out benchmark, run in their own process.

One process opens every client socket, logs each in (three steps), drops what the login
left on them (presence pushes), then reads all of them with ``selectors``, each read into
one preallocated buffer (``recv_into``: a ``recv(1 MiB)`` allocates and shrinks a 1 MiB
object per read, which was most of the reader's CPU).  The reader does as little as
possible per line: every client counts the lines and bytes it reads;
one client in ``SAMPLE`` also keeps the bytes up to the last LF of each read, pulls
every ``"timenow":<float>`` of a phones push out of them with one regular expression and
records ``receive time - timenow`` per line, in all and by ``tipbxid`` (clients are
alike, so a sample of 100 out of 1,000 gives the same distribution at a tenth of the
reader's cost).  In the
benchmark ``timenow`` is the scheduled arrival time of the AMI event that caused the
push, so the figure is the whole delay from AMI arrival to delivery.  The sampled
clients also record the reader's own share of it: the time from ``select`` returning to
their read (the reads of the other ready clients before theirs).

With ``websocket``, the clients are the web panel's: the same login over a WebSocket to
the panel's listener, one message per frame (``wsclient``); counted and timed the same.
"""

from __future__ import annotations

import json
import re
import selectors
import socket
import time
from array import array
from typing import Any

from benchmarks.cti_fanout.wsclient import FrameReader, MessageCounter, masked_text, upgrade_request

__all__ = ["run_clients"]

_PHONES = re.compile(
    rb'"phones","tipbxid":"([^"]*)","tid":"[^"]*","status":[^\n]*"timenow":([0-9.]+)'
)
SAMPLE = 10
LATE = 60.0


def _message(message: dict, websocket: bool) -> bytes:
    data = json.dumps(message).encode()
    return masked_text(data) if websocket else data + b"\n"


def _login(port: int, login: str, websocket: bool) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    steps = [
        {"class": "login_id", "userlogin": login, "xivoversion": "2.3", "commandid": 1},
        {"class": "login_pass", "password": "pw", "commandid": 2},
    ]
    opening = upgrade_request(port) if websocket else b""
    sock.sendall(opening + b"".join(_message(m, websocket) for m in steps))
    return sock


def _wait_for(sock: socket.socket, marker: bytes) -> None:
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed while waiting for {marker!r}: {data[-200:]!r}")
        data += chunk


def _drain(socks: list[socket.socket], quiet: float = 1.0) -> None:
    """Read and drop what the login left on the sockets (presence pushes) until
    nothing came for ``quiet`` seconds (more than ``cti.status_push_interval``: the last
    logins' pushes may come that long after them), so that every client starts from zero."""
    sel = selectors.DefaultSelector()
    for sock in socks:
        sel.register(sock, selectors.EVENT_READ)
    while ready := sel.select(quiet):
        for key, _ in ready:
            try:
                key.fileobj.recv(1 << 20)
            except BlockingIOError:
                pass
    sel.close()


def _record(delays: array, by_ipbx: dict[bytes, array], now: float, chunk: bytes) -> None:
    """Add ``now - timenow`` of each phones push in ``chunk`` to the delays, in all and by
    ``tipbxid``."""
    for ipbx, timenow in _PHONES.findall(chunk):
        delay = now - float(timenow)
        delays.append(delay)
        found = by_ipbx.get(ipbx)
        if found is None:
            found = by_ipbx[ipbx] = array("d")
        found.append(delay)


def run_clients(
    port: int,
    count: int,
    users: int,
    seconds: float,
    out: Any,
    expected: int = 0,
    websocket: bool = False,
) -> None:
    """Connect ``count`` clients, log them in, read for ``seconds`` + 3 s, report delays,
    lines and bytes (in total and per client, counted from the end of the login).

    With ``expected`` lines per client, read until every client has them (late pushes
    are then counted as late, not missed), for at most ``LATE`` seconds more."""
    socks = [_login(port, f"u{i % users}", websocket) for i in range(count)]
    for sock in socks:
        _wait_for(sock, b'"capalist"')
    capas = _message({"class": "login_capas", "capaid": 1, "state": "available"}, websocket)
    for sock in socks:
        sock.sendall(capas)
        _wait_for(sock, b'"login_capas"')
        sock.setblocking(False)
    _drain(socks)
    sel = selectors.DefaultSelector()
    tails: dict[int, list[bytes]] = {}
    for i, sock in enumerate(socks):
        sel.register(sock, selectors.EVENT_READ, i)
        if i % SAMPLE == 0:
            tails[i] = [b""]
    counters = [MessageCounter() for _ in range(count)] if websocket else []
    frames = {i: FrameReader() for i in tails} if websocket else {}
    out.put("ready")
    delays, waits = array("d"), array("d")
    by_ipbx: dict[bytes, array] = {}
    lines = array("q", bytes(8 * count))
    received = array("q", bytes(8 * count))
    reads = 0
    buffer = bytearray(1 << 20)  # every read lands here: no allocation per read
    view = memoryview(buffer)
    start, cpu0 = time.time(), time.process_time()
    end = start + seconds + 3 + (LATE if expected else 0)
    complete = 0
    while time.time() < end and (not expected or complete < count):
        ready = sel.select(0.2)
        ready_at = time.time()
        for key, _ in ready:
            try:
                size = key.fileobj.recv_into(buffer)
            except BlockingIOError:
                continue
            except ConnectionResetError:  # dropped as a slow reader: its pushes are missed
                size = 0
            if not size:
                sel.unregister(key.fileobj)
                continue
            now = time.time()
            i = key.data
            reads += 1
            received[i] += size
            tail = tails.get(i)
            if tail is None and not websocket:
                lines[i] += buffer.count(b"\n", 0, size)
                complete += lines[i] == expected
                continue
            if websocket:
                reader = frames.get(i)
                if reader is None:
                    lines[i] = counters[i].feed(buffer, size)
                else:
                    waits.append(now - ready_at)
                    payloads = reader.feed(bytes(view[:size]))
                    lines[i] += len(payloads)
                    _record(delays, by_ipbx, now, b"\n".join(payloads))
                complete += lines[i] == expected
                continue
            assert tail is not None
            waits.append(now - ready_at)
            data = bytes(view[:size])
            cut = data.rfind(b"\n")
            if cut < 0:
                tail[0] += data
                continue
            chunk = tail[0] + data[: cut + 1]
            tail[0] = data[cut + 1 :]
            lines[i] += chunk.count(b"\n")
            complete += lines[i] == expected
            _record(delays, by_ipbx, now, chunk)
    cpu = (time.process_time() - cpu0) / (time.time() - start)
    out.put({"delays": delays.tobytes(),
             "delays_by_ipbx": {i.decode(): d.tobytes() for i, d in by_ipbx.items()},
             "lines": sum(lines), "bytes": sum(received),
             "client_lines": lines.tobytes(), "client_bytes": received.tobytes(),
             "cpu": cpu, "reads": reads, "waits": waits.tobytes()})  # fmt: skip
