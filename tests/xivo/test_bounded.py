"""Tests for xivo.bounded: a bounded wait that never cancels what it waits on."""

import pytest
from twisted.internet.defer import Deferred, succeed
from twisted.internet.task import Clock
from twisted.python.failure import Failure

from xivo.bounded import bounded, forward


def outcomes(d):
    out = []
    d.addBoth(out.append)
    return out


def test_forward_fires_once_with_a_value_or_a_failure():
    """A value calls back, a Failure errs back, an already fired result is left alone."""
    value, failed = Deferred(), Deferred()
    forward(1, value)
    forward(Failure(ValueError("x")), failed)
    forward(2, value)
    assert outcomes(value) == [1]
    assert outcomes(failed)[0].check(ValueError)


def test_an_answer_in_time_is_passed_on_and_the_timer_stopped():
    """An outcome before the deadline is the result; no timer is left, nothing given up."""
    clock, gave_up = Clock(), []
    d = Deferred()
    result = outcomes(bounded(d, 1.0, clock, give_up=lambda: gave_up.append(1), error=KeyError))
    d.callback("rows")
    assert result == ["rows"] and not clock.getDelayedCalls() and gave_up == []
    assert outcomes(bounded(succeed(3), 1.0, clock, give_up=list, error=KeyError)) == [3]


def test_at_the_deadline_the_error_comes_first_then_give_up_and_a_late_answer_is_dropped():
    """The error is given, then ``give_up`` runs (here it fires the wait at once, as
    closing a connection does): the result is not fired twice; a later answer is
    dropped; the wait itself is never cancelled."""
    clock = Clock()
    d = Deferred(lambda _d: pytest.fail("cancelled"))
    result = bounded(
        d, 1.0, clock, give_up=lambda: d.errback(ConnectionError()), error=TimeoutError
    )
    out = outcomes(result)
    clock.advance(0.99)
    assert out == []
    clock.advance(0.01)
    assert len(out) == 1 and out[0].check(TimeoutError)
    late = Deferred()
    out2 = outcomes(bounded(late, 0.5, clock, give_up=list, error=TimeoutError))
    clock.advance(0.5)
    late.callback("too late")
    assert len(out2) == 1 and out2[0].check(TimeoutError)
