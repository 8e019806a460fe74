"""``Listeners``: the one way to be told of something, with a remover for each listener.

``add(callback)`` returns the function that removes it; ``notify(*args)`` calls every
listener in the order they were added; one that raises is logged and the others are
still called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, ParamSpec

from twisted.logger import Logger

__all__ = ["Listeners"]

P = ParamSpec("P")
_log = Logger(namespace="xivo.listeners")


class Listeners(Generic[P]):
    """Callbacks taking the same arguments; ``what`` names them in the log."""

    __slots__ = ("_callbacks", "_log", "_what")

    def __init__(self, what: str, log: Logger = _log) -> None:
        self._what = what
        self._log = log
        self._callbacks: tuple[Callable[P, None], ...] = ()

    def add(self, callback: Callable[P, None]) -> Callable[[], None]:
        """Call ``callback`` on each ``notify`` from now on; returns its remover."""
        self._callbacks = (*self._callbacks, callback)

        def remove() -> None:
            callbacks = list(self._callbacks)
            if callback in callbacks:
                callbacks.remove(callback)
                self._callbacks = tuple(callbacks)

        return remove

    def notify(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every listener; a failure is logged, not raised."""
        for callback in self._callbacks:
            try:
                callback(*args, **kwargs)
            except Exception:
                self._log.failure("{what} listener {callback!r} failed", what=self._what,
                             callback=callback)  # fmt: skip

    def __len__(self) -> int:
        return len(self._callbacks)
