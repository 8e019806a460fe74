"""``Feed``: the one-way data path, AMI event -> ``LiveState.apply`` -> views -> delivery
(and the call history's recording).  Each ipbx (Asterisk) has its own live state; its
events and changes enter tagged with its id (None: the default ipbx).

Each stage is a plain call whose result goes to the next; nothing calls back up.  User
status changes (presence, features) and new user tables enter the same path at the
views.  A status push also goes, as a status update, to the sessions watching its item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from prometheus_client import Counter

from xivo_cti.ami import Message
from xivo_cti.delivery import Broadcaster
from xivo_cti.history import HistoryRecording
from xivo_cti.state import Change, LiveState
from xivo_cti.views import Push, PushView, StatusWatches

__all__ = ["Feed"]


class Feed:
    """Feeds AMI events to the state and the pushes they make to the broadcaster."""

    def __init__(
        self,
        states: Mapping[str, LiveState],
        pushes: PushView,
        broadcaster: Broadcaster,
        events: Counter,
        watches: StatusWatches,
        history: HistoryRecording | None = None,
        *,
        ipbxid: str,
    ) -> None:
        self._states = states
        self._ipbxid = ipbxid
        self._watches = watches
        self._history = history
        self._pushes = pushes
        self._broadcaster = broadcaster
        self._events = events

    def event(self, message: Message, ipbx: str | None = None) -> None:
        """One AMI event from the Asterisk of ``ipbx``."""
        self._events.inc()
        changes = self._states[ipbx or self._ipbxid].apply(message)
        if changes:
            self.changed(changes, ipbx)

    def changed(self, changes: Sequence[Change], ipbx: str | None = None) -> None:
        """Changes of the state of ``ipbx`` (from ``event``, or a resync's differences);
        they go to the history recording too."""
        if self._history is not None:
            self._history.changed(changes, ipbx or self._ipbxid)
        self._publish(self._pushes.changed(changes, ipbx))

    def followed(self, changes: Sequence[Change], ipbx: str) -> None:
        """Changes of ``ipbx`` that another node holds (from the bus): pushed as
        ``changed`` does; recorded only if the history store is this node's own."""
        if self._history is not None:
            self._history.changed(changes, ipbx, held=False)
        self._publish(self._pushes.changed(changes, ipbx))

    def status_changed(self, logins: Sequence[str]) -> None:
        """These users' presence or features changed (``UserStatusBook``'s changes)."""
        for login in logins:
            self._publish(self._pushes.user_changed(login))

    def users_reloaded(self) -> None:
        """A new table of users is in place."""
        self._pushes.users_changed()

    def _publish(self, pushes: list[Push]) -> None:
        publish = self._broadcaster.publish
        for topic, message in pushes:
            publish(topic, message)
            if message.get("function") == "updatestatus":
                changed = self._watches.changed(topic, message["tid"], message["tipbxid"])
                for session, update in changed:
                    session.send(update)
