"""The dictionaries of one picture of the PBX and the mutations that announce changes.

Handlers (``*_events`` modules) change a ``Store`` only through these methods, so the
calls-by-linkedid grouping and the channels-by-device index stay consistent and every
real change is appended once to ``changes``. A store built during a resync has
``changes = None``: it is silent.
"""

from __future__ import annotations

from collections.abc import Callable

from xivo_cti.state._changes import (
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
    QueueUpdated,
)
from xivo_cti.state._entities import (
    Agent,
    Bridge,
    Call,
    Channel,
    Hint,
    Queue,
    QueueMember,
    channel_device,
)

#: How many hung-up uniqueids are remembered, so a late event cannot resurrect them.
HUNG_UP_MEMORY = 4096


class Store:
    """Channels, calls, bridges, devices, hints, queues, members and agents."""

    __slots__ = (
        "agents",
        "bridges",
        "calls",
        "channels",
        "by_device",
        "changes",
        "devices",
        "hints",
        "hung_up",
        "now",
        "queue_members",
        "queues",
    )

    def __init__(self, now: Callable[[], float], changes: list[Change] | None = None) -> None:
        self.now = now
        self.changes = changes
        self.channels: dict[str, Channel] = {}
        self.calls: dict[str, Call] = {}
        self.bridges: dict[str, Bridge] = {}
        self.devices: dict[str, str] = {}
        self.hints: dict[tuple[str, str], Hint] = {}
        self.queues: dict[str, Queue] = {}
        self.queue_members: dict[tuple[str, str], QueueMember] = {}
        self.agents: dict[str, Agent] = {}
        self.hung_up: dict[str, None] = {}
        self.by_device: dict[str, dict[str, None]] = {}

    def put_channel(self, channel: Channel, old: Channel | None) -> None:
        """Store a new or changed channel (``old`` is its previous picture, if any)."""
        self.channels[channel.uniqueid] = channel
        if old is None or old.name != channel.name:
            self._index(channel, old)
        changes = self.changes
        if changes is not None:
            changes.append(ChannelUpdated(channel=channel))
        if old is None or old.linkedid != channel.linkedid:
            if old is not None:
                self._leave_call(old)
            call = self.calls.get(channel.linkedid)
            members = (channel.uniqueid,) if call is None else (*call.channels, channel.uniqueid)
            call = Call(channel.linkedid, members)
            self.calls[channel.linkedid] = call
            if changes is not None:
                changes.append(CallUpdated(call=call))

    def _index(self, channel: Channel, old: Channel | None) -> None:
        if old is not None:
            self._unindex(old)
        self.by_device.setdefault(channel_device(channel.name), {})[channel.uniqueid] = None

    def _unindex(self, channel: Channel) -> None:
        device = channel_device(channel.name)
        members = self.by_device.get(device)
        if members is not None:
            members.pop(channel.uniqueid, None)
            if not members:
                del self.by_device[device]

    def remove_channel(self, uniqueid: str, last: Channel | None = None) -> None:
        """Forget a hung-up channel and remember it is gone; ``last``: its last picture,
        for the removal to report (default: the one held)."""
        hung_up = self.hung_up
        hung_up[uniqueid] = None
        if len(hung_up) > HUNG_UP_MEMORY:
            del hung_up[next(iter(hung_up))]
        channel = self.channels.pop(uniqueid, None)
        if channel is None:
            return
        self._unindex(channel)
        if self.changes is not None:
            self.changes.append(ChannelRemoved(uniqueid=uniqueid, channel=last or channel))
        if channel.bridge_id:
            self.leave_bridge(channel.bridge_id, uniqueid)
        self._leave_call(channel)

    def _leave_call(self, channel: Channel) -> None:
        call = self.calls.get(channel.linkedid)
        if call is None:
            return
        members = tuple(u for u in call.channels if u != channel.uniqueid)
        if members:
            call = Call(call.linkedid, members)
            self.calls[call.linkedid] = call
            if self.changes is not None:
                self.changes.append(CallUpdated(call=call))
        else:
            del self.calls[call.linkedid]
            if self.changes is not None:
                self.changes.append(CallEnded(linkedid=call.linkedid))

    def enter_bridge(self, bridge_id: str, uniqueid: str) -> None:
        """Record that a channel is in a bridge."""
        bridge = self.bridges.get(bridge_id) or Bridge(bridge_id)
        if uniqueid not in bridge.channels:
            self.bridges[bridge_id] = Bridge(
                bridge_id, bridge.bridge_type, bridge.technology, (*bridge.channels, uniqueid)
            )

    def leave_bridge(self, bridge_id: str, uniqueid: str) -> None:
        """Record that a channel left a bridge."""
        bridge = self.bridges.get(bridge_id)
        if bridge is not None and uniqueid in bridge.channels:
            members = tuple(u for u in bridge.channels if u != uniqueid)
            if not members:  # forgotten when empty: a missed BridgeDestroy cannot leak
                del self.bridges[bridge_id]
                return
            self.bridges[bridge_id] = Bridge(
                bridge_id, bridge.bridge_type, bridge.technology, members
            )

    def set_device(self, device: str, state: str) -> None:
        """Set a device's state."""
        if self.devices.get(device) != state:
            self.devices[device] = state
            if self.changes is not None:
                self.changes.append(DeviceStateChanged(device=device, state=state))

    def put_hint(self, hint: Hint) -> None:
        """Store a new or changed hint."""
        key = (hint.exten, hint.context)
        if self.hints.get(key) != hint:
            self.hints[key] = hint
            if self.changes is not None:
                self.changes.append(HintChanged(hint=hint))

    def put_queue(self, queue: Queue) -> None:
        """Store a new or changed queue."""
        if self.queues.get(queue.name) != queue:
            self.queues[queue.name] = queue
            if self.changes is not None:
                self.changes.append(QueueUpdated(queue=queue))

    def put_member(self, member: QueueMember) -> None:
        """Store a new or changed queue member."""
        key = (member.queue, member.interface)
        if self.queue_members.get(key) != member:
            self.queue_members[key] = member
            if self.changes is not None:
                self.changes.append(QueueMemberUpdated(member=member))

    def remove_member(self, queue: str, interface: str) -> None:
        """Forget a queue member."""
        if self.queue_members.pop((queue, interface), None) is not None:
            if self.changes is not None:
                self.changes.append(QueueMemberRemoved(queue=queue, interface=interface))

    def put_agent(self, agent: Agent) -> None:
        """Store a new or changed agent."""
        if self.agents.get(agent.agent_id) != agent:
            self.agents[agent.agent_id] = agent
            if self.changes is not None:
                self.changes.append(AgentUpdated(agent=agent))
