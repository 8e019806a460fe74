"""The start-up heap kept out of the garbage collector's full collections (``gc.freeze``).

A full collection scans every object the collector tracks; in a daemon that is mostly
what start-up made and the process keeps (modules, configuration, users, the phone
number metadata): tens of milliseconds of one reactor pass each time a storm of new
objects triggers one.  Once the daemon's services have started, ``HeapFreeze`` collects
once and freezes what is left, so later collections scan only what came after.

Reference counting still frees frozen objects; only a frozen object that becomes
garbage inside a reference cycle is not collected while frozen.  So each SIGHUP reload
(the last reload step) unfreezes, collects and freezes again: what a reload dropped in
a cycle is freed then, and between reloads such garbage is bounded by the start-up heap.
"""

from __future__ import annotations

import gc

from twisted.application.service import Service
from twisted.internet.interfaces import IReactorTime
from twisted.logger import Logger

__all__ = ["HeapFreeze"]


class HeapFreeze(Service):
    """Freezes the heap at the first reactor pass after it starts; ``refreeze`` again."""

    log = Logger()

    def __init__(self, clock: IReactorTime) -> None:
        self._clock = clock

    def startService(self) -> None:
        super().startService()
        self._clock.callLater(0, self.refreeze)

    def refreeze(self) -> None:
        """Unfreeze, collect everything, freeze what is left."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.log.info("{count} objects frozen out of full collections", count=gc.get_freeze_count())
