"""Tests of the fair queue of password checks."""

from __future__ import annotations

import pytest

from xivo_cti.users._fairqueue import FairQueue, QueueFull


def drain(queue: FairQueue[str]) -> list[str]:
    out = []
    while (item := queue.pop()) is not None:
        out.append(item)
    return out


def test_served_round_robin_by_key() -> None:
    """Items come out one key after the other, each key's items in order."""
    queue: FairQueue[str] = FairQueue(10)
    for item in ("a1", "a2", "a3"):
        queue.push("a", item)
    queue.push("b", "b1")
    queue.push("c", "c1")
    queue.push("b", "b2")
    assert drain(queue) == ["a1", "b1", "c1", "a2", "b2", "a3"]
    assert len(queue) == 0


def test_full_queue_evicts_the_newest_of_the_longest_key() -> None:
    """A newcomer takes the place of the newest item of the key holding the most."""
    queue: FairQueue[str] = FairQueue(4)
    for i in range(3):
        queue.push("crowd", f"c{i}")
    queue.push("other", "o1")
    assert queue.push("alice", "alice") == "c2"
    assert len(queue) == 4
    assert drain(queue) == ["c0", "o1", "alice", "c1"]


def test_full_queue_refuses_when_no_key_holds_more() -> None:
    """When every key holds no more than the newcomer's would, the newcomer is refused."""
    queue: FairQueue[str] = FairQueue(2)
    queue.push("a", "a1")
    queue.push("b", "b1")
    with pytest.raises(QueueFull):
        queue.push("a", "a2")
    with pytest.raises(QueueFull):
        queue.push("c", "c1")
    assert drain(queue) == ["a1", "b1"]


def test_one_key_cannot_keep_others_out() -> None:
    """A key filling the whole queue loses one item to each new key."""
    queue: FairQueue[str] = FairQueue(5)
    for i in range(5):
        queue.push("crowd", f"c{i}")
    assert queue.push("x", "x1") == "c4"
    assert queue.push("y", "y1") == "c3"
    assert drain(queue) == ["c0", "x1", "y1", "c1", "c2"]


def test_remove() -> None:
    """A removed item is not served; removing it twice says it was not queued."""
    queue: FairQueue[str] = FairQueue(5)
    queue.push("a", "a1")
    queue.push("a", "a2")
    queue.push("b", "b1")
    assert queue.remove("a", "a1") and not queue.remove("a", "a1")
    assert queue.remove("b", "b1") and not queue.remove("zz", "b1")
    assert len(queue) == 1 and drain(queue) == ["a2"]
