"""The five CTI lists (users, phones, queues, queuemembers, agents) read from live data.

Each list has ids, a static ``config`` per id and a live ``status`` per id, within one
ipbx (an Asterisk, the ``tipbxid`` of the messages; omitted: the default one, which users
without ``ipbx`` belong to).  Phones share their user's id; queue members are
``<queue>,<interface>``.  Everything is read from the live state of each ipbx, the user
table and the status book: nothing is kept here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from xivo_cti.state import AGENT_IDLE, AGENT_LOGGEDOFF, Agent, LiveState, QueueMember
from xivo_cti.users import User, UserStatusBook, UserStore
from xivo_cti.views._phones import phone_status
from xivo_cti.views._queues import member_status, queue_entries, queue_status

__all__ = ["ListView", "member_id"]


def member_id(queue: str, interface: str) -> str:
    """The list id of a queue member."""
    return f"{queue},{interface}"


class ListView:
    """Answers ``listid``, ``updateconfig`` and ``updatestatus`` for every list; with
    ``calls`` (the web panel's listener is on), phones also carry their calls."""

    def __init__(
        self,
        states: Mapping[str, LiveState],
        users: UserStore,
        book: UserStatusBook,
        ipbxid: str,
        *,
        calls: bool = False,
    ) -> None:
        self.states = MappingProxyType(states)  # read-only; more may be followed later
        self.users = users
        self.book = book
        self.ipbxid = ipbxid
        """The default ipbx: users without ``ipbx`` belong to it."""
        self.calls = calls

    def ipbx_of(self, user: User) -> str:
        """The ipbx a user's line belongs to."""
        return user.ipbx or self.ipbxid

    def ipbx_ids(self) -> list[str]:
        """Every ipbx the node holds or follows, the default one first (if it is one)."""
        others = sorted(set(self.states) - {self.ipbxid})
        return [self.ipbxid, *others] if self.ipbxid in self.states else others

    def _user(self, tid: str, ipbx: str) -> User | None:
        user = self.users.by_id(tid)
        return user if user is not None and self.ipbx_of(user) == ipbx else None

    def ids(self, listname: str, ipbx: str | None = None) -> list[str]:
        """The ids of a list in ``ipbx`` (None: the default one)."""
        ipbx = ipbx or self.ipbxid
        if listname in ("users", "phones"):
            return [u.id for u in self.users.all() if self.ipbx_of(u) == ipbx]
        state = self.states.get(ipbx)
        if state is None:
            return []
        if listname == "queues":
            return list(state.queues)
        if listname == "queuemembers":
            return [member_id(q, i) for q, i in state.queue_members]
        if listname == "agents":
            return list(state.agents)
        return []

    def config(self, listname: str, tid: str, ipbx: str | None = None) -> dict[str, Any] | None:
        """Static fields of one item, or None if there is no such item."""
        ipbx = ipbx or self.ipbxid
        if listname in ("users", "phones"):
            user = self._user(tid, ipbx)
            if user is None:
                return None
            if listname == "users":
                return {
                    "loginclient": user.login,
                    "fullname": user.fullname,
                    "profileclient": user.profile.name,
                    "linelist": [user.id],
                    "agentid": user.agent,
                    **self.book.features(user.login),  # the desktop client's services panel
                }
            return {
                "identity": user.line,
                "protocol": user.line.split("/")[0].split(":")[0].lower(),
                "number": user.extension,
                "context": user.context,
                "iduserfeatures": user.id,
            }
        state = self.states.get(ipbx)
        if state is None:
            return None
        if listname == "queues":
            queue = state.queues.get(tid)
            if queue is None:
                return None
            return {"name": queue.name, "displayname": queue.name, "number": "", "context": "",
                    "strategy": queue.strategy}  # fmt: skip
        if listname == "queuemembers":
            member = _member(state, tid)
            if member is None:
                return None
            return {
                "queue_name": member.queue,
                "interface": member.interface,
                "membername": member.name,
            }
        if listname == "agents":
            agent = state.agents.get(tid)
            if agent is None:
                return None
            return {"number": agent.agent_id, "fullname": agent.name, "firstname": agent.name,
                    "lastname": "", "context": ""}  # fmt: skip
        return None

    def status(self, listname: str, tid: str, ipbx: str | None = None) -> dict[str, Any] | None:
        """Live fields of one item, or None if there is no such item."""
        ipbx = ipbx or self.ipbxid
        if listname == "users":
            user = self._user(tid, ipbx)
            return None if user is None else self.book.status(user.login)
        state = self.states.get(ipbx)
        if state is None:
            return None
        if listname == "phones":
            user = self._user(tid, ipbx)
            return None if user is None else phone_status(user, state, calls=self.calls)
        if listname == "queues":
            queue = state.queues.get(tid)
            return None if queue is None else queue_status(queue)
        if listname == "queuemembers":
            member = _member(state, tid)
            return None if member is None else member_status(member)
        if listname == "agents":
            agent = state.agents.get(tid)
            return None if agent is None else agent_status(agent, state.queue_members)
        return None

    def entries(self, tid: str, ipbx: str | None = None) -> dict[str, Any] | None:
        """The ``queueentryupdate`` of a queue of ``ipbx`` (None: the default one), or None
        if there is no such queue."""
        ipbx = ipbx or self.ipbxid
        state = self.states.get(ipbx)
        queue = None if state is None else state.queues.get(tid)
        return None if queue is None else queue_entries(tid, queue, ipbx)


def _member(state: LiveState, tid: str) -> QueueMember | None:
    queue, sep, interface = tid.partition(",")
    return state.queue_members.get((queue, interface)) if sep else None


#: Agent statuses in the desktop client's words (anything else it takes for logged out).
AVAILABILITY = {AGENT_LOGGEDOFF: "logged_out", AGENT_IDLE: "available"}


def agent_status(agent: Agent, members: Mapping[tuple[str, str], QueueMember]) -> dict[str, Any]:
    """The ``updatestatus`` body of an agent: ``availability`` (``available``,
    ``unavailable`` while ringing or talking, ``logged_out``) and its queues."""
    interface = f"Agent/{agent.agent_id}"
    return {
        "availability": AVAILABILITY.get(agent.status, "unavailable"),
        "availability_since": agent.login_time,
        "channel": agent.channel,
        "since": agent.login_time,
        "queues": [queue for queue, member in members if member == interface],
    }
