"""Unsolicited ``getlist`` pushes, from live-state changes and user status changes.

``PushView.changed(changes)`` maps each change to the few list items it touches (a
phone by device or hint, a queue, a member, an agent) and returns the pushes, each for
one audience (the clients following that list).  An item's status is pushed only when it
differs from what was pushed last (the one memory kept here, with each user's services
last pushed as a users ``updateconfig``).  New and vanished items are
announced with ``addconfig``/``delconfig``.  A queue whose waiting callers changed also
gets a ``queueentryupdate`` for the audience ``queueentries`` (the sessions whose waiting
callers panel subscribed).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from xivo_cti.state import (
    AgentRemoved,
    AgentUpdated,
    Change,
    ChannelRemoved,
    ChannelUpdated,
    DeviceStateChanged,
    HintChanged,
    QueueCaller,
    QueueMemberRemoved,
    QueueMemberUpdated,
    QueueRemoved,
    QueueUpdated,
    Resynced,
    channel_device,
)
from xivo_cti.users import FEATURE_DEFAULTS, User
from xivo_cti.views._lists import ListView, member_id
from xivo_cti.views._queues import queue_entries

__all__ = ["Push", "PushView"]

Push = tuple[str, dict[str, Any]]
"""A message and its audience: the name of the list its clients follow."""


class PushView:
    """The pushes that state and user-status changes make."""

    def __init__(self, lists: ListView, ipbxid: str) -> None:
        self.lists = lists
        self.ipbxid = ipbxid
        self._last: dict[tuple[str, str], dict[str, Any]] = {}
        self._services: dict[str, dict[str, Any]] = {}
        self._callers: dict[str, tuple[QueueCaller, ...]] = {}
        self._by_line: dict[str, list[User]] = {}
        self._by_exten: dict[tuple[str, str], list[User]] = {}
        self.users_changed()

    def users_changed(self) -> None:
        """Re-index users by line and extension (after a reload)."""
        self._by_line = {}
        self._by_exten = {}
        for user in self.lists.users.all():
            self._by_line.setdefault(user.line, []).append(user)
            self._by_exten.setdefault((user.extension, user.context), []).append(user)

    def user_changed(self, login: str) -> list[Push]:
        """The pushes after a user's presence or features changed: its status, and its
        config when its services changed (the desktop client's services panel reads them
        only from there)."""
        out: list[Push] = []
        user = self.lists.users.get(login)
        if user is None:
            return out
        self._push(out, "users", user.id)
        services = self.lists.book.features(login)
        if services != self._services.get(login, FEATURE_DEFAULTS):
            self._services[login] = services
            message = {
                "class": "getlist",
                "function": "updateconfig",
                "listname": "users",
                "tipbxid": self.ipbxid,
                "tid": user.id,
                "config": self.lists.config("users", user.id),
            }
            out.append(("users", message))
        return out

    def changed(self, changes: Iterable[Change]) -> list[Push]:
        """The pushes that ``changes`` (from ``LiveState.apply``) make, in order."""
        out: list[Push] = []
        for change in changes:
            self._one(out, change)
        return out

    def _one(self, out: list[Push], change: Change) -> None:
        if isinstance(change, ChannelUpdated | ChannelRemoved):
            self._phones(out, self._by_line.get(channel_device(change.channel.name), ()))
        elif isinstance(change, HintChanged):
            hint = change.hint
            self._phones(out, self._by_exten.get((hint.exten, hint.context), ()))
        elif isinstance(change, DeviceStateChanged):
            self._phones(out, self._by_line.get(change.device, ()))
        elif isinstance(change, QueueUpdated):
            queue = change.queue
            self._push(out, "queues", queue.name)
            if self._callers.get(queue.name, ()) != queue.callers:
                self._callers[queue.name] = queue.callers
                out.append(("queueentries", queue_entries(queue.name, queue)))
        elif isinstance(change, QueueRemoved):
            self._removed(out, "queues", change.queue)
            if self._callers.pop(change.queue, ()):
                out.append(("queueentries", queue_entries(change.queue, None)))
        elif isinstance(change, QueueMemberUpdated):
            member = change.member
            self._push(out, "queuemembers", member_id(member.queue, member.interface))
        elif isinstance(change, QueueMemberRemoved):
            self._removed(out, "queuemembers", member_id(change.queue, change.interface))
        elif isinstance(change, AgentUpdated):
            self._push(out, "agents", change.agent.agent_id)
        elif isinstance(change, AgentRemoved):
            self._removed(out, "agents", change.agent_id)
        elif isinstance(change, Resynced):
            self._phones(out, self.lists.users.all())

    def _phones(self, out: list[Push], users: Iterable[User]) -> None:
        for user in users:
            self._push(out, "phones", user.id)

    def _push(self, out: list[Push], listname: str, tid: str) -> None:
        status = self.lists.status(listname, tid)
        if status is None:
            return
        key = (listname, tid)
        last = self._last.get(key)
        if last == status:
            return
        self._last[key] = status
        if last is None and listname not in ("users", "phones"):
            self._announce(out, "addconfig", listname, tid)
        out.append(
            (
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
        )

    def _removed(self, out: list[Push], listname: str, tid: str) -> None:
        if self._last.pop((listname, tid), None) is not None:
            self._announce(out, "delconfig", listname, tid)

    def _announce(self, out: list[Push], function: str, listname: str, tid: str) -> None:
        message = {
            "class": "getlist",
            "function": function,
            "listname": listname,
            "tipbxid": self.ipbxid,
            "list": [tid],
        }
        out.append((listname, message))
