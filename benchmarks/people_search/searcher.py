"""The searching client of the people search benchmark, run in its own process.

It logs in, then sends ``people_search`` requests at a fixed rate (open loop: a request is
sent when due, whether or not earlier ones were answered) and records, per request, the
time from sending to reading its answer, and when it was sent (``time.monotonic``, the
clock of the server's ``SearchProbe``).  It reads everything the server sends (the status
pushes of the fan-out load too), as a real client does.
"""

from __future__ import annotations

import json
import random
import selectors
import socket
import time
from array import array
from typing import Any

__all__ = ["run_searcher"]


def _read_until(sock: socket.socket, marker: bytes) -> None:
    data = b""
    while marker not in data:
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError(f"closed while waiting for {marker!r}")
        data = data[-4096:] + chunk


def run_searcher(
    port: int, login: str, patterns: list[str], rate: float, seconds: float, out: Any, go: Any
) -> None:
    """Log in, put "ready", wait for ``go`` (an ``Event``: the load starts), then search
    ``rate`` times a second for ``seconds``; put the latencies and row counts."""
    sock = socket.create_connection(("127.0.0.1", port))
    steps = [{"class": "login_id", "userlogin": login, "xivoversion": "2.3", "commandid": 1},
             {"class": "login_pass", "password": "pw", "commandid": 2}]  # fmt: skip
    sock.sendall(b"".join(json.dumps(m).encode() + b"\n" for m in steps))
    _read_until(sock, b'"capalist"')
    capas = {"class": "login_capas", "capaid": 1, "state": "available", "commandid": 3}
    sock.sendall(json.dumps(capas).encode() + b"\n")
    _read_until(sock, b'"login_capas"')
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ)
    out.put("ready")
    go.wait()
    rng = random.Random(42)
    sent: dict[int, float] = {}
    latencies, rows, ids, sent_at = array("d"), array("i"), array("q"), array("d")
    buffer = b""
    start = time.monotonic()
    count = int(rate * seconds)
    next_id = 100
    deadline = start + seconds + 5
    while (next_id - 100 < count or sent) and time.monotonic() < deadline:
        due = start + (next_id - 100) / rate
        now = time.monotonic()
        if next_id - 100 < count and now >= due:
            message = {"class": "people_search", "pattern": rng.choice(patterns),
                       "commandid": next_id}  # fmt: skip
            sent[next_id] = now
            sock.sendall(json.dumps(message, separators=(",", ":")).encode() + b"\n")
            next_id += 1
            continue
        for _key, _ in sel.select(max(0.0, min(due - now, 0.05))):
            try:
                data = sock.recv(1 << 20)
            except BlockingIOError:
                continue
            received = time.monotonic()
            *lines, buffer = (buffer + data).split(b"\n")
            for line in lines:
                if b"people_search_result" not in line:
                    continue
                reply = json.loads(line)
                at = sent.pop(reply["replyid"])
                latencies.append(received - at)
                rows.append(len(reply["results"]))
                ids.append(reply["replyid"])
                sent_at.append(at)
    sock.close()
    out.put({"latencies": latencies.tobytes(), "rows": rows.tobytes(), "lost": len(sent),
             "ids": ids.tobytes(), "sent_at": sent_at.tobytes()})  # fmt: skip
