"""``StatusBatch``: users' status changes passed on at most once per interval.

Each login that completes (or session that ends) changes one user's status, and its push
goes to every logged-in client: a storm of n logins one by one would cost about n * n / 2
writes.  Held for ``interval`` seconds, the logins changed meanwhile go on together (each
once, its pushes made from its state then), so the clients get one write per interval
however many logged in.  A change after a quiet interval goes on at once.  xivo-ctid
gathers the changes of sessions and of AstDB read-backs here; a user's own commands
(presence, DND, forwards) and phone, queue and agent pushes are not delayed.
"""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.interfaces import IDelayedCall, IReactorTime

from xivo_cti.users._status import StatusChanged

__all__ = ["StatusBatch"]


class StatusBatch:
    """Gathers the logins passed to ``changed`` and hands them to ``deliver``, at once
    when the last delivery is ``interval`` seconds old, else when it will be."""

    def __init__(self, clock: IReactorTime, interval: float, deliver: StatusChanged) -> None:
        self._clock = clock
        self._interval = interval
        self._deliver = deliver
        self._last = float("-inf")
        self._pending: dict[str, None] = {}
        self._call: IDelayedCall | None = None

    def changed(self, logins: Sequence[str]) -> None:
        """These users' status changed (the ``StatusChanged`` of ``UserStatusBook``)."""
        if not logins:
            return
        self._pending.update(dict.fromkeys(logins))
        if self._call is not None:
            return
        wait = self._last + self._interval - self._clock.seconds()
        if wait <= 0:
            self._flush()
        else:
            self._call = self._clock.callLater(wait, self._flush)

    def _flush(self) -> None:
        self._call = None
        self._last = self._clock.seconds()
        logins, self._pending = list(self._pending), {}
        self._deliver(logins)
