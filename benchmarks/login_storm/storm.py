"""The clients of the login-storm benchmark: N CTI clients logging in at once, twice.

    python -m benchmarks.login_storm.storm --port 5003 --clients 1000

Client ``i`` logs in as ``u<i>`` from its own loopback address (127.1.x.y, as agents each
have their own PC), all started together: connect, ``login_id``, ``login_pass``,
``login_capas``, then keep reading (the pushes of the others' logins) like a real client.
A refused ``login_pass`` (``login_blocked``, ``login_busy``, a wrong password) is sent
again after ``--retry`` seconds, a closed connection is opened again, as the desktop
client does.  The ``cold`` round runs first; on a line on stdin every socket is closed
at once (a network blip) and the ``warm`` round logs them all in again (``--rounds``
names other rounds: ``restart.py`` restarts the daemon in between).  Each round
writes one JSON line to stdout: wall-clock start and end, seconds until every client was
logged in, per-client p50/p99, retries by reason.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

PASSWORD = "storm-pw"


class Client:
    """One CTI client and what happened to its logins."""

    def __init__(self, i: int, port: int, retry: float, refusals: Counter) -> None:
        self.i = i
        self.port = port
        self.retry = retry
        self.refusals = refusals
        self.writer: asyncio.StreamWriter | None = None
        self.reading: asyncio.Task | None = None

    async def log_in(self) -> float:
        """Log in (retrying like the real client); seconds it took."""
        start = time.perf_counter()
        while True:
            try:
                if await self._attempt():
                    return time.perf_counter() - start
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as e:
                self.refusals[type(e).__name__] += 1
            self.close()
            await asyncio.sleep(self.retry)

    async def _attempt(self) -> bool:
        source = f"127.1.{1 + self.i // 250}.{1 + self.i % 250}"
        reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", self.port, local_addr=(source, 0), limit=1 << 22
        )
        self._send(**{"class": "login_id", "userlogin": f"u{self.i}", "xivoversion": "2.3"})
        await self._reply(reader, "login_id")
        while True:
            self._send(**{"class": "login_pass", "password": PASSWORD})
            error = (await self._reply(reader, "login_pass")).get("error_string")
            if error is None:
                break
            self.refusals[error.split(":")[0]] += 1
            await asyncio.sleep(self.retry)
        self._send(**{"class": "login_capas", "capaid": 1, "state": "available"})
        await self._reply(reader, "login_capas")
        self.reading = asyncio.ensure_future(self._drain(reader))
        return True

    def _send(self, **message: object) -> None:
        assert self.writer is not None
        self.writer.write(json.dumps(message).encode() + b"\n")

    async def _reply(self, reader: asyncio.StreamReader, klass: str) -> dict:
        marker = f'"class": "{klass}"'.encode(), f'"class":"{klass}"'.encode()
        while True:
            line = await reader.readuntil(b"\n")
            if marker[0] in line or marker[1] in line:
                return json.loads(line)

    async def _drain(self, reader: asyncio.StreamReader) -> None:
        while await reader.read(1 << 20):
            pass

    def close(self) -> None:
        if self.reading is not None:
            self.reading.cancel()
            self.reading = None
        if self.writer is not None:
            self.writer.transport.abort()
            self.writer = None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 3)


async def storm(name: str, clients: list[Client], refusals: Counter) -> None:
    refusals.clear()
    start = time.time()
    took = await asyncio.gather(*(c.log_in() for c in clients))
    end = time.time()
    print(json.dumps({
        "round": name, "start": start, "end": end, "all_in_s": round(end - start, 2),
        "p50_s": pct(took, 0.5), "p99_s": pct(took, 0.99), "refusals": dict(refusals),
    }), flush=True)  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--retry", type=float, default=1.0)
    parser.add_argument("--rounds", default="cold,warm", help="names of the rounds, in order")
    args = parser.parse_args()
    refusals: Counter = Counter()
    clients = [Client(i, args.port, args.retry, refusals) for i in range(args.clients)]
    for n, name in enumerate(args.rounds.split(",")):
        if n:
            for client in clients:
                client.close()
        await storm(name, clients, refusals)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


if __name__ == "__main__":
    asyncio.run(main())
