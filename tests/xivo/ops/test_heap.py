"""Tests of the heap freeze: the start-up heap out of full collections, refrozen on reload."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from twisted.internet.task import Clock

from xivo.ops.heap import HeapFreeze


class Node:
    """An object that can sit in a reference cycle."""

    other: Node | None = None


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    """Each test starts and ends with nothing frozen (the test process's own heap)."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def tracked(obj: object) -> bool:
    """True if the collector's generations (not the frozen ones) hold ``obj``."""
    return any(o is obj for o in gc.get_objects())


def test_heap_frozen_at_the_first_pass_after_start() -> None:
    """Nothing is frozen while the services start; at the first reactor pass everything
    alive is, and what is made later is collected as usual."""
    clock = Clock()
    before = Node()
    HeapFreeze(clock).startService()
    assert gc.get_freeze_count() == 0 and tracked(before)
    clock.advance(0)
    after = Node()
    assert gc.get_freeze_count() > 0
    assert not tracked(before) and tracked(after)


def test_refreeze_frees_a_frozen_cycle_dropped_since() -> None:
    """A frozen cycle dropped (as a reload may drop one) survives full collections while
    frozen; refreeze (the last reload step) frees it."""
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    freeze = HeapFreeze(Clock())
    freeze.refreeze()
    del a, b
    gc.collect()
    assert gone() is not None
    freeze.refreeze()
    assert gone() is None and gc.get_freeze_count() > 0
