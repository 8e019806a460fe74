"""Handlers of device and hint states (live, and from DeviceStateList/ExtensionStateList)."""

from __future__ import annotations

from collections.abc import Callable

from xivo_cti.ami import Message
from xivo_cti.state._entities import Hint
from xivo_cti.state._store import Store


def _on_device_state(store: Store, msg: Message) -> None:
    store.set_device(msg["Device"], msg["State"])


def _on_extension_status(store: Store, msg: Message) -> None:
    store.put_hint(
        Hint(
            msg["Exten"],
            msg["Context"],
            msg.get("Hint", ""),
            int(msg["Status"]),
            msg.get("StatusText", ""),
        )
    )


HANDLERS: dict[str, Callable[[Store, Message], None]] = {
    "DeviceStateChange": _on_device_state,
    "ExtensionStatus": _on_extension_status,
}
