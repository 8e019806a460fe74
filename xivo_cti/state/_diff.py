"""Differences between two pictures of the PBX, told as changes (used by resync).

Times that only the model knows precisely (channel creation, caller joined, agent
login) are carried over from the old picture, so a resync does not report a channel
as changed merely because CoreShowChannels rounds its age to the second.
"""

from __future__ import annotations

from dataclasses import replace

from xivo_cti.state._changes import (
    AgentRemoved,
    AgentUpdated,
    CallEnded,
    CallUpdated,
    Change,
    ChannelRemoved,
    ChannelUpdated,
    DeviceStateChanged,
    HintChanged,
    QueueMemberRemoved,
    QueueMemberUpdated,
    QueueRemoved,
    QueueUpdated,
)
from xivo_cti.state._entities import HINT_REMOVED, Queue
from xivo_cti.state._store import Store


def keep_times(old: Store, new: Store) -> None:
    """Copy creation/join/login times of entities present in both pictures into ``new``."""
    for uniqueid, channel in new.channels.items():
        before = old.channels.get(uniqueid)
        if before is not None and before.created != channel.created:
            new.channels[uniqueid] = replace(channel, created=before.created)
    for name, queue in new.queues.items():
        before_q = old.queues.get(name)
        if before_q is not None and queue.callers:
            new.queues[name] = _keep_joined(before_q, queue)
    for agent_id, agent in new.agents.items():
        before_a = old.agents.get(agent_id)
        if before_a is not None and before_a.login_time and agent.login_time:
            new.agents[agent_id] = replace(agent, login_time=before_a.login_time)


def _keep_joined(old: Queue, new: Queue) -> Queue:
    joined = {c.uniqueid: c.joined for c in old.callers}
    callers = tuple(
        replace(c, joined=joined[c.uniqueid]) if c.uniqueid in joined else c for c in new.callers
    )
    return replace(new, callers=callers)


def changes_between(old: Store, new: Store) -> list[Change]:
    """The changes that turn ``old`` into ``new``, in a stable order."""
    out: list[Change] = []
    for uniqueid, channel in old.channels.items():
        if uniqueid not in new.channels:
            out.append(ChannelRemoved(uniqueid=uniqueid, channel=channel))
    for uniqueid, channel in new.channels.items():
        if old.channels.get(uniqueid) != channel:
            out.append(ChannelUpdated(channel=channel))
    out.extend(CallEnded(linkedid=k) for k in old.calls if k not in new.calls)
    out.extend(CallUpdated(call=c) for k, c in new.calls.items() if old.calls.get(k) != c)
    for device in old.devices:
        if device not in new.devices:
            out.append(DeviceStateChanged(device=device, state="UNKNOWN"))
    for device, state in new.devices.items():
        if old.devices.get(device) != state:
            out.append(DeviceStateChanged(device=device, state=state))
    for key, hint in old.hints.items():
        if key not in new.hints:
            out.append(HintChanged(hint=replace(hint, status=HINT_REMOVED, status_text="")))
    out.extend(HintChanged(hint=h) for k, h in new.hints.items() if old.hints.get(k) != h)
    out.extend(QueueRemoved(queue=k) for k in old.queues if k not in new.queues)
    out.extend(QueueUpdated(queue=q) for k, q in new.queues.items() if old.queues.get(k) != q)
    for queue, interface in old.queue_members:
        if (queue, interface) not in new.queue_members:
            out.append(QueueMemberRemoved(queue=queue, interface=interface))
    for key, member in new.queue_members.items():
        if old.queue_members.get(key) != member:
            out.append(QueueMemberUpdated(member=member))
    out.extend(AgentRemoved(agent_id=k) for k in old.agents if k not in new.agents)
    out.extend(AgentUpdated(agent=a) for k, a in new.agents.items() if old.agents.get(k) != a)
    return out
