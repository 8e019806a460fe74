"""A picture of the PBX as JSON-ready data, and back (what a node following another node's
ipbx starts from).

``dump(store)`` gives a mapping of lists and strings; ``load(data, now)`` checks every
entity field's type and builds a ``Store`` (calls and the channels-by-device index are
rebuilt from the channels, in their order), raising ``ValueError`` for anything else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from xivo_cti.state._entities import Agent, Bridge, Channel, Hint, Queue, QueueCaller, QueueMember
from xivo_cti.state._store import HUNG_UP_MEMORY, Store

__all__ = ["dump", "load"]

_ENTITIES: dict[str, type] = {
    "channels": Channel,
    "bridges": Bridge,
    "hints": Hint,
    "queues": Queue,
    "queue_members": QueueMember,
    "agents": Agent,
}


def dump(store: Store) -> dict[str, Any]:
    """The picture in ``store`` as JSON-ready data."""
    data: dict[str, Any] = {
        name: [_fields(entity) for entity in getattr(store, name).values()] for name in _ENTITIES
    }
    data["devices"] = dict(store.devices)
    data["hung_up"] = list(store.hung_up)
    return data


def _fields(entity: Any) -> dict[str, Any]:
    out = {}
    for field in dataclasses.fields(entity):
        value = getattr(entity, field.name)
        if isinstance(value, tuple):
            value = [_fields(v) if dataclasses.is_dataclass(v) else v for v in value]
        out[field.name] = value
    return out


def load(data: Mapping[str, Any], now: Callable[[], float]) -> Store:
    """A ``Store`` holding the picture ``data`` (from ``dump``); ``ValueError`` if it is not
    one."""
    store = Store(now)
    channels = [_entity(Channel, v) for v in _list(data, "channels")]
    for channel in channels:
        store.put_channel(channel, store.channels.get(channel.uniqueid))
    for bridge in (_entity(Bridge, v) for v in _list(data, "bridges")):
        store.bridges[bridge.bridge_id] = bridge
    for hint in (_entity(Hint, v) for v in _list(data, "hints")):
        store.hints[(hint.exten, hint.context)] = hint
    for queue in (_entity(Queue, v) for v in _list(data, "queues")):
        store.queues[queue.name] = queue
    for member in (_entity(QueueMember, v) for v in _list(data, "queue_members")):
        store.queue_members[(member.queue, member.interface)] = member
    for agent in (_entity(Agent, v) for v in _list(data, "agents")):
        store.agents[agent.agent_id] = agent
    devices = data.get("devices")
    if not isinstance(devices, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in devices.items()
    ):
        raise ValueError("snapshot: devices is not a mapping of strings")
    store.devices = dict(devices)
    hung_up = _list(data, "hung_up")
    if not all(isinstance(u, str) for u in hung_up):
        raise ValueError("snapshot: hung_up is not a list of strings")
    store.hung_up = dict.fromkeys(hung_up[-HUNG_UP_MEMORY:])
    return store


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if not isinstance(value, list):
        raise ValueError(f"snapshot: {name} is not a list")
    return value


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: type(v) is int,
    "float": lambda v: type(v) in (int, float),
    "bool": lambda v: type(v) is bool,
    "tuple[str, ...]": lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
}


def _entity(cls: type, value: Any) -> Any:
    if not isinstance(value, dict):
        raise ValueError(f"snapshot: a {cls.__name__} is not an object")
    kwargs = {}
    for field in dataclasses.fields(cls):
        if field.name not in value:
            raise ValueError(f"snapshot: a {cls.__name__} has no {field.name}")
        item = value[field.name]
        if field.type == "tuple[QueueCaller, ...]":
            if not isinstance(item, list):
                raise ValueError(f"snapshot: {cls.__name__}.{field.name} is not a list")
            kwargs[field.name] = tuple(_entity(QueueCaller, c) for c in item)
            continue
        if not _SCALARS[str(field.type)](item):
            raise ValueError(f"snapshot: {cls.__name__}.{field.name} has the wrong type")
        kwargs[field.name] = tuple(item) if isinstance(item, list) else item
    return cls(**kwargs)
