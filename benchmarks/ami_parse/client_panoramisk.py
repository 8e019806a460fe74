"""Benchmark client: panoramisk's Manager counting events until the feeder closes.

Usage: python -m benchmarks.ami_parse.client_panoramisk PORT  (prints ``events seconds``)
"""

from __future__ import annotations

import asyncio
import sys
import time

from panoramisk import Manager


async def run(port: int) -> tuple[int, float]:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    events = 0

    def count(manager: Manager, message: object) -> None:
        nonlocal events
        events += 1

    def disconnected(manager: Manager, exc: object) -> None:
        if not done.done():
            done.set_result(None)

    manager = Manager(
        loop=loop,
        host="127.0.0.1",
        port=port,
        username="xivo",
        secret="bench",
        ping_delay=3600,
        reconnect_timeout=3600,
        on_disconnect=disconnected,
    )
    manager.register_event("*", count)
    await manager.connect()
    started = time.perf_counter()
    await done
    elapsed = time.perf_counter() - started
    manager.close()
    return events, elapsed


if __name__ == "__main__":
    events, elapsed = asyncio.run(run(int(sys.argv[1])))
    print(events, elapsed)
