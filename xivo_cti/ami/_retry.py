"""When the AMI client service dials again after a failed connection or login.

Capped exponential back-off with jitter (by default 0.5 s doubling up to 10 s).  ``ClientService``
counts failed connection attempts only, and starts again from zero once a connection
is made, so failed logins are counted here too: a peer that accepts connections but
fails every login is redialled with the same growing delays.  After a refused login the delay is at
least ``AUTH_RETRY_DELAY`` seconds: a wrong secret is not fixed by retrying it faster.
"""

from __future__ import annotations

from twisted.application.internet import backoffPolicy

__all__ = ["AUTH_RETRY_DELAY", "RetryPolicy"]

AUTH_RETRY_DELAY = 30.0


class RetryPolicy:
    """A ``ClientService`` ``retryPolicy`` that also accounts for failed logins."""

    def __init__(self, initial_delay: float = 0.5, max_delay: float = 10.0) -> None:
        self._backoff = backoffPolicy(initialDelay=initial_delay, maxDelay=max_delay, factor=2.0)
        self._login_failures = 0
        self.auth_refused = False

    def __call__(self, attempt: int) -> float:
        """Seconds to wait before the next attempt, ``attempt`` failed attempts in."""
        delay = self._backoff(max(attempt, self._login_failures))
        return max(delay, AUTH_RETRY_DELAY) if self.auth_refused else delay

    def login_failed(self, refused: bool) -> None:
        """Count a failed login; ``refused``: Asterisk refused the credentials."""
        self._login_failures += 1
        self.auth_refused = refused

    def reset(self) -> None:
        """Forget the failed logins (after a login, or with new settings)."""
        self._login_failures = 0
        self.auth_refused = False
