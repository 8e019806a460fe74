"""Unsolicited ``getlist`` pushes, from live-state changes and user status changes.

Each change is mapped to the few list items it touches (a phone by device or hint, a
queue, a member, an agent); an item's status is pushed only when it differs from what
was pushed last.  New and vanished items are announced with ``addconfig``/``delconfig``.
"""

from __future__ import annotations

from typing import Any

from xivo_cti.cti.broadcaster import Broadcaster
from xivo_cti.cti.listview import ListView, member_id
from xivo_cti.state import changes as ch
from xivo_cti.users.model import User

__all__ = ["StatePusher"]


class StatePusher:
    """Subscribe ``on_change`` to the live state and ``on_user`` to the status book."""

    def __init__(self, view: ListView, broadcaster: Broadcaster, ipbxid: str) -> None:
        self.view = view
        self.broadcaster = broadcaster
        self.ipbxid = ipbxid
        self._last: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_line: dict[str, list[User]] = {}
        self._by_exten: dict[tuple[str, str], list[User]] = {}
        self.users_changed()

    def users_changed(self) -> None:
        """Re-index users by line and extension (after a reload)."""
        self._by_line = {}
        self._by_exten = {}
        for user in self.view.users.all():
            self._by_line.setdefault(user.line, []).append(user)
            self._by_exten.setdefault((user.extension, user.context), []).append(user)

    def on_user(self, login: str) -> None:
        """A user's presence or features changed."""
        user = self.view.users.get(login)
        if user is not None:
            self._push("users", user.id)

    def on_change(self, change: Any) -> None:
        """Map one state change to pushes."""
        lines = self.view.lines
        if isinstance(change, ch.ChannelUpdated):
            device = lines.add(change.channel.uniqueid, change.channel.name)
            self._push_phones(self._by_line.get(device, ()))
        elif isinstance(change, ch.ChannelRemoved):
            device = lines.remove(change.uniqueid)
            if device is not None:
                self._push_phones(self._by_line.get(device, ()))
        elif isinstance(change, ch.HintChanged):
            hint = change.hint
            self._push_phones(self._by_exten.get((hint.exten, hint.context), ()))
        elif isinstance(change, ch.DeviceStateChanged):
            self._push_phones(self._by_line.get(change.device, ()))
        elif isinstance(change, ch.QueueUpdated):
            self._push("queues", change.queue.name)
        elif isinstance(change, ch.QueueRemoved):
            self._removed("queues", change.queue)
        elif isinstance(change, ch.QueueMemberUpdated):
            self._push("queuemembers", member_id(change.member.queue, change.member.interface))
        elif isinstance(change, ch.QueueMemberRemoved):
            self._removed("queuemembers", member_id(change.queue, change.interface))
        elif isinstance(change, ch.AgentUpdated):
            self._push("agents", change.agent.agent_id)
        elif isinstance(change, ch.AgentRemoved):
            self._removed("agents", change.agent_id)
        elif isinstance(change, ch.Resynced):
            lines.rebuild(self.view.state.channels)
            self._push_phones(self.view.users.all())

    def _push_phones(self, users: Any) -> None:
        for user in users:
            self._push("phones", user.id)

    def _push(self, listname: str, tid: str) -> None:
        status = self.view.status(listname, tid)
        if status is None:
            return
        key = (listname, tid)
        last = self._last.get(key)
        if last == status:
            return
        self._last[key] = status
        if last is None and listname not in ("users", "phones"):
            self._announce("addconfig", listname, tid)
        self.broadcaster.publish(
            listname,
            {
                "class": "getlist",
                "function": "updatestatus",
                "listname": listname,
                "tipbxid": self.ipbxid,
                "tid": tid,
                "status": status,
            },
        )

    def _removed(self, listname: str, tid: str) -> None:
        if self._last.pop((listname, tid), None) is not None:
            self._announce("delconfig", listname, tid)

    def _announce(self, function: str, listname: str, tid: str) -> None:
        self.broadcaster.publish(
            listname,
            {
                "class": "getlist",
                "function": function,
                "listname": listname,
                "tipbxid": self.ipbxid,
                "list": [tid],
            },
        )
