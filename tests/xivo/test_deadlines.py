"""Tests for xivo.deadlines."""

from twisted.internet.task import Clock
from twisted.logger import globalLogPublisher

from xivo.deadlines import Deadlines


def test_each_deadline_fires_its_delay_after_it_was_set():
    """Deadlines set at different times fire each at its own time, in order."""
    clock = Clock()
    deadlines = Deadlines(clock, 2.0)
    fired: list[tuple[str, float]] = []
    deadlines.start(lambda: fired.append(("a", clock.seconds())))
    clock.advance(0.5)
    deadlines.start(lambda: fired.append(("b", clock.seconds())))
    clock.advance(1.4)
    assert fired == []
    clock.advance(0.1)
    assert fired == [("a", 2.0)]
    clock.advance(0.4)
    assert fired == [("a", 2.0)]
    clock.advance(0.1)
    assert fired == [("a", 2.0), ("b", 2.5)]


def test_a_cancelled_deadline_never_fires_and_one_timer_serves_them_all():
    """Cancelled deadlines are skipped; however many are set, one reactor timer is armed,
    and none once the queue is empty."""
    clock = Clock()
    deadlines = Deadlines(clock, 1.0)
    fired: list[int] = []
    handles = []
    for n in range(100):
        handles.append(deadlines.start(lambda n=n: fired.append(n)))
        clock.advance(0.001)
    assert len(clock.getDelayedCalls()) == 1
    for handle in handles[:99]:
        handle.cancel()
        assert not handle.active()
    assert handles[99].active()
    clock.advance(1.0)
    assert fired == [99]
    assert not handles[99].active()
    assert clock.getDelayedCalls() == [] and len(deadlines) == 0


def test_a_deadline_set_when_one_fires_waits_its_full_delay():
    """A function called at a deadline may set another: it fires a whole delay later,
    on a single timer."""
    clock = Clock()
    deadlines = Deadlines(clock, 3.0)
    fired: list[float] = []

    def again() -> None:
        fired.append(clock.seconds())
        if len(fired) < 3:
            deadlines.start(again)

    deadlines.start(again)
    clock.advance(3.0)
    assert len(clock.getDelayedCalls()) == 1
    clock.pump([3.0, 3.0])
    assert fired == [3.0, 6.0, 9.0]
    assert clock.getDelayedCalls() == []


def test_a_failing_function_is_logged_and_the_others_still_fire():
    """An exception from one deadline's function is logged and does not stop the later
    deadlines, nor the ones set afterwards."""
    clock = Clock()
    deadlines = Deadlines(clock, 1.0)
    fired: list[str] = []
    events: list[dict] = []
    globalLogPublisher.addObserver(events.append)
    try:
        deadlines.start(lambda: 1 / 0)
        deadlines.start(lambda: fired.append("second"))
        clock.advance(1.0)
    finally:
        globalLogPublisher.removeObserver(events.append)
    deadlines.start(lambda: fired.append("third"))
    clock.advance(1.0)
    assert fired == ["second", "third"]
    failures = [e["log_failure"] for e in events if "log_failure" in e]
    assert len(failures) == 1 and failures[0].check(ZeroDivisionError)


def test_cancelling_after_it_fired_changes_nothing():
    """``cancel`` on a fired deadline is harmless."""
    clock = Clock()
    deadlines = Deadlines(clock, 0.5)
    fired: list[bool] = []
    handle = deadlines.start(lambda: fired.append(True))
    clock.advance(0.5)
    handle.cancel()
    assert fired == [True] and not handle.active()
