"""Tests for RetryPolicy, the AMI client service's delays before dialling again."""

from __future__ import annotations

from xivo_cti.ami._retry import AUTH_RETRY_DELAY, RetryPolicy

# backoffPolicy adds a jitter in [0, 1) s to each delay.


def test_delay_doubles_from_half_a_second_up_to_ten():
    """Connection attempt n waits 0.5 * 2**n s, at most 10 s, plus under 1 s of jitter."""
    policy = RetryPolicy()
    for attempt, expected in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 10.0), (40, 10.0)]:
        assert expected <= policy(attempt) < expected + 1


def test_failed_logins_keep_the_delay_growing():
    """After failed logins the delay grows even though ClientService counts from 1 again."""
    policy = RetryPolicy()
    assert policy(1) < 2
    for _ in range(4):
        policy.login_failed(refused=False)
    assert 8.0 <= policy(1) < 9.0


def test_refused_login_waits_at_least_auth_retry_delay():
    """After a refused login the delay is AUTH_RETRY_DELAY; another kind of failure lifts it."""
    policy = RetryPolicy()
    policy.login_failed(refused=True)
    assert policy.auth_refused
    assert policy(1) == AUTH_RETRY_DELAY
    policy.login_failed(refused=False)
    assert not policy.auth_refused
    assert policy(1) < AUTH_RETRY_DELAY


def test_reset_forgets_failed_logins():
    """reset (after a login, or new settings) brings the delay back to the first step."""
    policy = RetryPolicy()
    for _ in range(6):
        policy.login_failed(refused=True)
    policy.reset()
    assert not policy.auth_refused
    assert 1.0 <= policy(1) < 2.0
