"""The calls benchmark's round by round ratio."""

import pytest

from benchmarks.asterisk_calls._rig import paired_ratio


def test_the_ratio_is_taken_round_by_round():
    """Each round is compared with the reference's round of the same cycle: a machine
    twice as fast in the second cycle changes nothing, and the interval is zero."""
    mean, low, high = paired_ratio([90.0, 180.0], [100.0, 200.0])
    assert mean == pytest.approx(0.9) and low == pytest.approx(0.9) and high == pytest.approx(0.9)


def test_the_interval_widens_with_the_spread_and_narrows_with_rounds():
    """Student's t interval: wider for spread-out ratios, narrower with more rounds."""
    _mean, low, high = paired_ratio([80.0, 90.0, 100.0], [100.0] * 3)
    assert low < 0.9 < high and (low, high) == pytest.approx((0.9 - 0.2484, 0.9 + 0.2484), abs=1e-3)
    _mean, low12, high12 = paired_ratio([80.0, 90.0, 100.0] * 4, [100.0] * 12)
    assert high12 - low12 < (high - low) / 3


def test_one_round_has_no_interval():
    """One round: the interval is the ratio itself."""
    assert paired_ratio([85.0], [100.0]) == (0.85, 0.85, 0.85)
