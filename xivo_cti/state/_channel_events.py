"""Handlers of channel events: lifecycle, caller id, dial, bridges, hold.

Asterisk (12 and later) puts a full channel snapshot in each of these events
(``Channel``, ``ChannelState``, ``ChannelStateDesc``, ``CallerIDNum``...,
``Uniqueid``, ``Linkedid``), with a ``Dest`` prefix for the callee of a dial. Every
handler refreshes the channel from it, so the model heals itself when it missed an
event; a channel seen hung up is never brought back by a late event.
"""

from __future__ import annotations

from collections.abc import Callable

from xivo_cti.ami import Message
from xivo_cti.state._entities import Bridge, Channel
from xivo_cti.state._store import Store

_FIELDS = (
    "Uniqueid",
    "Channel",
    "ChannelState",
    "ChannelStateDesc",
    "CallerIDNum",
    "CallerIDName",
    "ConnectedLineNum",
    "ConnectedLineName",
    "Context",
    "Exten",
    "Linkedid",
)
_PLAIN = _FIELDS
_DEST = tuple("Dest" + f for f in _FIELDS)


def refresh(store: Store, msg: Message, keys: tuple[str, ...] = _PLAIN) -> Channel | None:
    """Create or update the channel described by the snapshot under ``keys``.

    Returns the current channel, or None for a channel already hung up.
    """
    get = msg.get
    uniqueid = msg[keys[0]]
    old = store.channels.get(uniqueid)
    name = msg[keys[1]]
    desc = get(keys[3], "")
    num = get(keys[4], "")
    cname = get(keys[5], "")
    cl_num = get(keys[6], "")
    cl_name = get(keys[7], "")
    context = get(keys[8], "")
    exten = get(keys[9], "")
    linkedid = msg[keys[10]]
    if old is None:
        if uniqueid in store.hung_up:
            return None
        channel = Channel(
            uniqueid, name, int(msg[keys[2]]), desc, num, cname, cl_num, cl_name,
            context, exten, linkedid, store.now(),
        )  # fmt: skip
    elif (
        old.name == name
        and old.state_desc == desc
        and old.caller_id_num == num
        and old.caller_id_name == cname
        and old.connected_num == cl_num
        and old.connected_name == cl_name
        and old.context == context
        and old.exten == exten
        and old.linkedid == linkedid
    ):
        return old
    else:
        channel = Channel(
            uniqueid, name, int(msg[keys[2]]), desc, num, cname, cl_num, cl_name,
            context, exten, linkedid, old.created, old.bridge_id, old.on_hold,
            old.dial_peer, old.dial_status,
        )  # fmt: skip
    store.put_channel(channel, old)
    return channel


def _replaced(channel: Channel, **fields: object) -> Channel:
    values = {name: getattr(channel, name) for name in Channel.__slots__}
    values.update(fields)
    return Channel(**values)


def _change(store: Store, channel: Channel | None, **fields: object) -> None:
    """Replace ``channel`` with some fields changed, if they really change."""
    if channel is None or all(getattr(channel, k) == v for k, v in fields.items()):
        return
    store.put_channel(_replaced(channel, **fields), channel)


def _on_snapshot(store: Store, msg: Message) -> None:
    refresh(store, msg)


def _on_rename(store: Store, msg: Message) -> None:
    _change(store, refresh(store, msg), name=msg["Newname"])


def _on_hangup(store: Store, msg: Message) -> None:
    """The removal reports where in the dialplan the channel hung up (a call into an
    application or one that failed before any Dial is known only there)."""
    uniqueid = msg["Uniqueid"]
    old = store.channels.get(uniqueid)
    last = None
    if old is not None:
        context, exten = msg.get("Context", old.context), msg.get("Exten", old.exten)
        if (context, exten) != (old.context, old.exten):
            last = _replaced(old, context=context, exten=exten)
    store.remove_channel(uniqueid, last)


def _on_dial_begin(store: Store, msg: Message) -> None:
    callee = refresh(store, msg, _DEST)
    if "Uniqueid" in msg:  # an Originate dials without a calling channel
        caller = refresh(store, msg)
        if caller is not None and callee is not None:
            _change(store, caller, dial_peer=callee.uniqueid, dial_status="")
            _change(store, callee, dial_peer=caller.uniqueid, dial_status="")
    elif callee is not None:
        _change(store, callee, dial_peer="", dial_status="")


def _on_dial_end(store: Store, msg: Message) -> None:
    status = msg["DialStatus"]
    _change(store, refresh(store, msg, _DEST), dial_status=status)
    if "Uniqueid" in msg:
        _change(store, refresh(store, msg), dial_status=status)


def _on_bridge_create(store: Store, msg: Message) -> None:
    bridge_id = msg["BridgeUniqueid"]
    old = store.bridges.get(bridge_id)
    store.bridges[bridge_id] = Bridge(
        bridge_id,
        msg.get("BridgeType", ""),
        msg.get("BridgeTechnology", ""),
        old.channels if old is not None else (),
    )


def _on_bridge_destroy(store: Store, msg: Message) -> None:
    store.bridges.pop(msg["BridgeUniqueid"], None)


def _on_bridge_enter(store: Store, msg: Message) -> None:
    bridge_id = msg["BridgeUniqueid"]
    channel = refresh(store, msg)
    if channel is not None:
        if channel.bridge_id and channel.bridge_id != bridge_id:
            store.leave_bridge(channel.bridge_id, channel.uniqueid)
        store.enter_bridge(bridge_id, channel.uniqueid)
        _change(store, channel, bridge_id=bridge_id)


def _on_bridge_leave(store: Store, msg: Message) -> None:
    bridge_id = msg["BridgeUniqueid"]
    channel = refresh(store, msg)
    store.leave_bridge(bridge_id, msg["Uniqueid"])
    if channel is not None and channel.bridge_id == bridge_id:
        _change(store, channel, bridge_id="")


def _on_hold(store: Store, msg: Message) -> None:
    _change(store, refresh(store, msg), on_hold=True)


def _on_unhold(store: Store, msg: Message) -> None:
    _change(store, refresh(store, msg), on_hold=False)


def _on_core_show_channel(store: Store, msg: Message) -> None:
    known = msg["Uniqueid"] in store.channels
    channel = refresh(store, msg)
    if channel is None:
        return
    bridge_id = msg.get("BridgeId", "")
    if bridge_id:
        store.enter_bridge(bridge_id, channel.uniqueid)
    if known:
        _change(store, channel, bridge_id=bridge_id)
        return
    hours, minutes, seconds = msg.get("Duration", "0:0:0").split(":")
    age = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    _change(store, channel, bridge_id=bridge_id, created=channel.created - age)


HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    "Newchannel": _on_snapshot,
    "Newstate": _on_snapshot,
    "NewCallerid": _on_snapshot,
    "NewConnectedLine": _on_snapshot,
    "Rename": _on_rename,
    "Hangup": _on_hangup,
    "DialBegin": _on_dial_begin,
    "DialEnd": _on_dial_end,
    "BridgeCreate": _on_bridge_create,
    "BridgeDestroy": _on_bridge_destroy,
    "BridgeEnter": _on_bridge_enter,
    "BridgeLeave": _on_bridge_leave,
    "Hold": _on_hold,
    "Unhold": _on_unhold,
    "CoreShowChannel": _on_core_show_channel,
}
