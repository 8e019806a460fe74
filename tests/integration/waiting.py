"""Waiting on the real reactor in integration tests, without blocking it."""

from __future__ import annotations

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
