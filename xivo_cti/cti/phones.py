"""Phone status from the live state: hint status, and the channels on each line."""

from __future__ import annotations

from typing import Any

from xivo_cti.users.model import User

__all__ = ["DEVICE_STATE_CODES", "LineChannels", "channel_device", "phone_status"]

#: Device state names to the extension-state codes clients know (used without a hint).
DEVICE_STATE_CODES = {
    "NOT_INUSE": 0,
    "INUSE": 1,
    "BUSY": 2,
    "UNAVAILABLE": 4,
    "INVALID": 4,
    "RINGING": 8,
    "RINGINUSE": 9,
    "ONHOLD": 16,
}


def channel_device(name: str) -> str:
    """The device of a channel name: ``PJSIP/alice-0000002a`` -> ``PJSIP/alice``."""
    device, sep, _ = name.rpartition("-")
    return device if sep else name


class LineChannels:
    """An index of live channel uniqueids by device, kept from channel changes."""

    def __init__(self) -> None:
        self._by_device: dict[str, dict[str, None]] = {}
        self._device_of: dict[str, str] = {}

    def rebuild(self, channels: dict[str, Any]) -> None:
        """Index every channel of the state again (after a resync)."""
        self._by_device.clear()
        self._device_of.clear()
        for channel in channels.values():
            self.add(channel.uniqueid, channel.name)

    def add(self, uniqueid: str, name: str) -> str:
        """Index a channel (again, if renamed); return its device."""
        device = channel_device(name)
        old = self._device_of.get(uniqueid)
        if old is not None and old != device:
            self.remove(uniqueid)
        self._device_of[uniqueid] = device
        self._by_device.setdefault(device, {})[uniqueid] = None
        return device

    def remove(self, uniqueid: str) -> str | None:
        """Forget a channel; return its device."""
        device = self._device_of.pop(uniqueid, None)
        if device is not None:
            members = self._by_device.get(device, {})
            members.pop(uniqueid, None)
            if not members:
                self._by_device.pop(device, None)
        return device

    def of(self, device: str) -> list[str]:
        """Uniqueids of the live channels of a device, oldest first."""
        return list(self._by_device.get(device, ()))


def phone_status(user: User, state: Any, lines: LineChannels) -> dict[str, Any]:
    """The ``updatestatus`` body of a user's phone."""
    hint = state.hints.get((user.extension, user.context))
    if hint is not None:
        code = hint.status
    else:
        device_state = state.devices.get(user.line)
        code = DEVICE_STATE_CODES.get(device_state, -1) if device_state else -1
    return {"hintstatus": str(code), "channels": lines.of(user.line)}
