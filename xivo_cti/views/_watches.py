"""Live status a session registered for: colleagues' presence, phone and agent state.

The contacts panel registers the ids of the rows it shows: ``register_user_status_update``
(``user_ids``: ``[[xivo_uuid, user_uuid], ...]``), ``register_endpoint_status_update``
(``endpoint_ids``: ``[[xivo_uuid, endpoint_id], ...]``) and
``register_agent_status_update`` (``agent_ids``); ``unregister_*`` with the same fields
forgets them.  A registration gets the current status of each known id at once, then every
change, as ``user_status_update`` / ``endpoint_status_update`` / ``agent_status_update``
``{"data": {"xivo_uuid", "user_uuid" | "endpoint_id" | "agent_id", "status"}}``: the
presence name, the phone's hint status (an integer) and ``logged_in`` / ``logged_out``.
Ids are those of ``get_relations`` and the contacts rows: user uuid = user id, endpoint id
= the user's numeric id (phones share their user's id), agent id = the numeric agent id;
the xivo_uuid is the id of the item's ipbx (ids of an ipbx the view does not have are left
out).
A request is checked whole before anything is registered; each session watches at most
``MAX_WATCHED`` ids of each kind.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from xivo_cti.views._lists import ListView

__all__ = [
    "KINDS",
    "MAX_WATCHED",
    "WATCH_CLASSES",
    "StatusWatches",
    "Watcher",
    "WatchError",
    "parse_ids",
]

MAX_WATCHED = 2000


class WatchError(ValueError):
    """A registration refused; ``error_string`` goes back to the client."""

    def __init__(self, error_string: str) -> None:
        super().__init__(error_string)
        self.error_string = error_string


class Watcher(Protocol):
    """A session that may watch statuses (a ``Connection``)."""

    def send(self, message: dict[str, Any]) -> None: ...


@dataclass(frozen=True, slots=True)
class Kind:
    """One kind of status: its request field, its push class and id key, its list."""

    field: str
    push: str
    key: str
    listname: str


KINDS = {
    "user": Kind("user_ids", "user_status_update", "user_uuid", "users"),
    "endpoint": Kind("endpoint_ids", "endpoint_status_update", "endpoint_id", "phones"),
    "agent": Kind("agent_ids", "agent_status_update", "agent_id", "agents"),
}
_BY_LIST = {kind.listname: name for name, kind in KINDS.items()}
WATCH_CLASSES = {
    f"{verb}_{name}_status_update": (name, verb == "register")
    for name in KINDS
    for verb in ("register", "unregister")
}
"""Request class -> (kind, True to register / False to unregister)."""


Item = tuple[str, str]
"""An item watched: its ipbx and its list id."""


def parse_ids(body: dict[str, Any], kind: str, ipbx_ids: Collection[str]) -> list[Item]:
    """The (ipbx, list id) a request names (ids of an unknown xivo_uuid left out); raises
    ``WatchError("invalid_ids")`` for anything but a list of [uuid, id] pairs."""
    items = body.get(KINDS[kind].field)
    if not isinstance(items, list) or len(items) > MAX_WATCHED:
        raise WatchError("invalid_ids")
    ids: list[Item] = []
    for item in items:
        if not isinstance(item, list) or len(item) != 2 or not isinstance(item[0], str):
            raise WatchError("invalid_ids")
        value = item[1]
        if kind == "user" and isinstance(value, str) and 0 < len(value) <= 64:
            tid = value
        elif kind != "user" and isinstance(value, int) and not isinstance(value, bool):
            tid = str(value)
        else:
            raise WatchError("invalid_ids")
        if item[0] in ipbx_ids:
            ids.append((item[0], tid))
    return ids


def numeric_id(value: str) -> int:
    """The client keeps user, endpoint and agent ids as integers (0: none)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else 0


class StatusWatches:
    """Who watches what; ``send(session, message)`` for each push owed."""

    def __init__(self, view: ListView) -> None:
        self.view = view
        self._watchers: dict[tuple[str, Item], dict[Watcher, None]] = {}
        self._of: dict[Watcher, dict[str, set[Item]]] = {}
        self._last: dict[tuple[str, Item], Any] = {}

    def register(self, session: Watcher, kind: str, ids: list[Item]) -> list[dict[str, Any]]:
        """Watch ``ids`` (of ``parse_ids``); the current status of each known one."""
        watched = self._of.setdefault(session, {}).setdefault(kind, set())
        if len(watched | set(ids)) > MAX_WATCHED:
            raise WatchError("too_many_ids")
        messages = []
        for item in dict.fromkeys(ids):
            value = self._value(kind, item)
            if value is None:
                continue
            watched.add(item)
            self._watchers.setdefault((kind, item), {})[session] = None
            self._last[(kind, item)] = value
            messages.append(self._message(kind, item, value))
        return messages

    def unregister(self, session: Watcher, kind: str, ids: list[Item]) -> None:
        """Stop watching ``ids``."""
        watched = self._of.get(session, {}).get(kind, set())
        for item in ids:
            if item in watched:
                watched.discard(item)
                self._drop(session, (kind, item))

    def forget(self, session: Watcher) -> None:
        """The session is gone."""
        for kind, items in self._of.pop(session, {}).items():
            for item in items:
                self._drop(session, (kind, item))

    def changed(self, listname: str, tid: str, ipbx: str) -> list[tuple[Watcher, dict[str, Any]]]:
        """A list item's status changed: the pushes owed to its watchers."""
        kind = _BY_LIST.get(listname)
        item = (ipbx, tid)
        watchers = self._watchers.get((kind, item)) if kind is not None else None
        if not watchers:
            return []
        value = self._value(kind, item)  # type: ignore[arg-type]
        if value is None or self._last.get((kind, item)) == value:  # type: ignore[arg-type]
            return []
        self._last[(kind, item)] = value  # type: ignore[index]
        message = self._message(kind, item, value)  # type: ignore[arg-type]
        return [(session, message) for session in watchers]

    def _drop(self, session: Watcher, key: tuple[str, Item]) -> None:
        watchers = self._watchers.get(key)
        if watchers is not None:
            watchers.pop(session, None)
            if not watchers:
                del self._watchers[key]
                self._last.pop(key, None)

    def _value(self, kind: str, item: Item) -> Any:
        ipbx, tid = item
        status = self.view.status(KINDS[kind].listname, tid, ipbx)
        if status is None:
            return None
        if kind == "user":
            return status["availstate"]
        if kind == "endpoint":
            return int(status["hintstatus"])
        return "logged_out" if status["availability"] == "logged_out" else "logged_in"

    def _message(self, kind: str, item: Item, value: Any) -> dict[str, Any]:
        spec = KINDS[kind]
        ipbx, tid = item
        ident = tid if kind == "user" else numeric_id(tid)
        return {
            "class": spec.push,
            "data": {"xivo_uuid": ipbx, spec.key: ident, "status": value},
        }
