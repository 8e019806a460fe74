"""``HistoryRecording``: the live state's changes -> ``HistoryRecorder`` -> ``HistoryWriter``;
the callers that left a queue go to the writer too (the queue statistics' window is kept
across a restart)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from twisted.internet.interfaces import IReactorTime

from xivo_cti.history._recorder import HistoryRecorder, line_owners
from xivo_cti.state import Change, QueueCallLeft
from xivo_cti.userdata import HistoryWriter, QueueOutcome
from xivo_cti.users import User

__all__ = ["HistoryRecording"]


class HistoryRecording:
    """Records each user's calls from the changes it is given into ``writer``, timed by
    ``clock``; ``users_changed`` gives it the users whose lines it follows (on their
    ipbx, ``ipbxid`` for users without one).

    With ``shared`` (a store other nodes write too), the changes of an ipbx this node
    only follows (``held`` False: another node holds it) are left to its holder, so that
    each call is written once."""

    def __init__(
        self, writer: HistoryWriter, clock: IReactorTime, ipbxid: str, *, shared: bool = False
    ) -> None:
        self._recorder = HistoryRecorder()
        self._writer = writer
        self._clock = clock
        self._ipbxid = ipbxid
        self._shared = shared

    def users_changed(self, users: Iterable[User]) -> None:
        """A new table of users: their lines are the ones followed."""
        self._recorder.set_owners(line_owners(users, lambda user: user.ipbx or self._ipbxid))

    def changed(self, changes: Sequence[Change], ipbx: str, *, held: bool = True) -> None:
        """Changes of the live state of ``ipbx`` (``held``: by this node); a call a user's
        line left becomes a history row, a caller that left a queue an outcome."""
        if self._shared and not held:
            return
        now = self._clock.seconds()
        for change in changes:
            if type(change) is QueueCallLeft:
                self._writer.add(QueueOutcome(ipbx=ipbx, left=change))
                continue
            row = self._recorder.changed(change, now, ipbx)
            if row is not None:
                self._writer.add(row)
