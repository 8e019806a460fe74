"""Unsolicited ``getlist`` pushes, from live-state changes and user status changes.

``PushView.changed(changes, ipbx)`` maps each change of an ipbx's state to the few list
items of that ipbx it touches (a phone by device or hint, a queue, a member, an agent) and
returns the pushes, each for one audience (the clients following that list).  An item's
status is pushed only when it differs from what was pushed last (the one memory kept
here, with each user's services last pushed as a users ``updateconfig``).  New and
vanished items are announced with ``addconfig``/``delconfig``.  A queue whose waiting
callers changed also gets a ``queueentryupdate`` for the audience ``queueentries`` (the
sessions whose waiting callers panel subscribed).
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

    def __init__(self, lists: ListView) -> None:
        self.lists = lists
        self._last: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._services: dict[str, dict[str, Any]] = {}
        self._callers: dict[tuple[str, str], tuple[QueueCaller, ...]] = {}
        self._by_line: dict[tuple[str, str], list[User]] = {}
        self._by_exten: dict[tuple[str, str, str], list[User]] = {}
        self._by_ipbx: dict[str, list[User]] = {}
        self.users_changed()

    def users_changed(self) -> None:
        """Re-index users by ipbx, line and extension (after a reload)."""
        self._by_line = {}
        self._by_exten = {}
        self._by_ipbx = {}
        for user in self.lists.users.all():
            ipbx = self.lists.ipbx_of(user)
            self._by_line.setdefault((ipbx, user.line), []).append(user)
            self._by_exten.setdefault((ipbx, user.extension, user.context), []).append(user)
            self._by_ipbx.setdefault(ipbx, []).append(user)

    def user_changed(self, login: str) -> list[Push]:
        """The pushes after a user's presence or features changed: its status, and its
        config when its services changed (the desktop client's services panel reads them
        only from there)."""
        out: list[Push] = []
        user = self.lists.users.get(login)
        if user is None:
            return out
        ipbx = self.lists.ipbx_of(user)
        self._push(out, ipbx, "users", user.id)
        services = self.lists.book.features(login)
        if services != self._services.get(login, FEATURE_DEFAULTS):
            self._services[login] = services
            message = {
                "class": "getlist",
                "function": "updateconfig",
                "listname": "users",
                "tipbxid": ipbx,
                "tid": user.id,
                "config": self.lists.config("users", user.id, ipbx),
            }
            out.append(("users", message))
        return out

    def changed(self, changes: Iterable[Change], ipbx: str | None = None) -> list[Push]:
        """The pushes that ``changes`` (from ``LiveState.apply`` of ``ipbx``'s state; None:
        the default ipbx) make, in order."""
        ipbx = ipbx or self.lists.ipbxid
        out: list[Push] = []
        for change in changes:
            self._one(out, ipbx, change)
        return out

    def _one(self, out: list[Push], ipbx: str, change: Change) -> None:
        if isinstance(change, ChannelUpdated | ChannelRemoved):
            device = channel_device(change.channel.name)
            self._phones(out, ipbx, self._by_line.get((ipbx, device), ()))
        elif isinstance(change, HintChanged):
            hint = change.hint
            self._phones(out, ipbx, self._by_exten.get((ipbx, hint.exten, hint.context), ()))
        elif isinstance(change, DeviceStateChanged):
            self._phones(out, ipbx, self._by_line.get((ipbx, change.device), ()))
        elif isinstance(change, QueueUpdated):
            queue = change.queue
            self._push(out, ipbx, "queues", queue.name)
            if self._callers.get((ipbx, queue.name), ()) != queue.callers:
                self._callers[ipbx, queue.name] = queue.callers
                out.append(("queueentries", queue_entries(queue.name, queue, ipbx)))
        elif isinstance(change, QueueRemoved):
            self._removed(out, ipbx, "queues", change.queue)
            if self._callers.pop((ipbx, change.queue), ()):
                out.append(("queueentries", queue_entries(change.queue, None, ipbx)))
        elif isinstance(change, QueueMemberUpdated):
            member = change.member
            self._push(out, ipbx, "queuemembers", member_id(member.queue, member.interface))
        elif isinstance(change, QueueMemberRemoved):
            self._removed(out, ipbx, "queuemembers", member_id(change.queue, change.interface))
        elif isinstance(change, AgentUpdated):
            self._push(out, ipbx, "agents", change.agent.agent_id)
        elif isinstance(change, AgentRemoved):
            self._removed(out, ipbx, "agents", change.agent_id)
        elif isinstance(change, Resynced):
            self._phones(out, ipbx, self._by_ipbx.get(ipbx, ()))

    def _phones(self, out: list[Push], ipbx: str, users: Iterable[User]) -> None:
        for user in users:
            self._push(out, ipbx, "phones", user.id)

    def _push(self, out: list[Push], ipbx: str, listname: str, tid: str) -> None:
        status = self.lists.status(listname, tid, ipbx)
        if status is None:
            return
        key = (ipbx, listname, tid)
        last = self._last.get(key)
        if last == status:
            return
        self._last[key] = status
        if last is None and listname not in ("users", "phones"):
            self._announce(out, ipbx, "addconfig", listname, tid)
        out.append(
            (
                listname,
                {
                    "class": "getlist",
                    "function": "updatestatus",
                    "listname": listname,
                    "tipbxid": ipbx,
                    "tid": tid,
                    "status": status,
                },
            )
        )

    def _removed(self, out: list[Push], ipbx: str, listname: str, tid: str) -> None:
        if self._last.pop((ipbx, listname, tid), None) is not None:
            self._announce(out, ipbx, "delconfig", listname, tid)

    def _announce(self, out: list[Push], ipbx: str, function: str, listname: str, tid: str) -> None:
        message = {
            "class": "getlist",
            "function": function,
            "listname": listname,
            "tipbxid": ipbx,
            "list": [tid],
        }
        out.append((listname, message))
