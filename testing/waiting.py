"""The one way to wait for something in tests and benchmarks.

``eventually`` polls on the running reactor without blocking it (integration and
end-to-end tests driving the daemons' own code); ``wait_until`` polls by sleeping, for
code that runs outside a reactor (a test of a daemon run as a process, a service being
started).  Both fail after ``timeout`` with an error naming what was awaited.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from twisted.internet import reactor, task

T = TypeVar("T")


async def sleep(seconds: float) -> None:
    """Let the reactor run for ``seconds``."""
    await task.deferLater(reactor, seconds, lambda: None)


async def eventually(
    probe: Callable[[], Awaitable[T] | T],
    *,
    timeout: float = 10.0,
    interval: float = 0.1,
    what: str = "the condition",
) -> T:
    """Call ``probe`` (sync or async) until it returns something truthy; fail after ``timeout``
    with an error naming ``what`` was awaited."""
    for _ in range(max(1, int(timeout / interval))):
        result: Any = probe()
        if hasattr(result, "__await__"):
            result = await result
        if result:
            return result
        await sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout} s")


def wait_until(
    probe: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.1,
    what: str = "the condition",
) -> T:  # fmt: skip
    """Call ``probe`` until it returns something truthy, sleeping in between (blocking:
    never on a reactor's thread); fail after ``timeout`` naming ``what`` was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(interval)
